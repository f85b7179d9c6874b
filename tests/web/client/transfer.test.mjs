// uploadFile and downloadFile against the in-memory daemon of fake_daemon.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

import { authenticate, downloadFile, fileDigest, uploadFile, xxh32 } from '../../../daemon/web/streamd.js';
import { FakeDaemon } from './fake_daemon.mjs';

const KiB = 1024;
const CHUNK = 64 * KiB;
const URL = 'ws://127.0.0.1:7740/ws';
const KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n';

function fileOf(bytes, name = 'data.bin') {
  return new File([bytes], name, { lastModified: 1_700_000_000_000 });
}

function digestOf(bytes, chunkSize = CHUNK) {
  const digests = [];
  for (let at = 0; at < bytes.length; at += chunkSize) digests.push(xxh32(bytes.subarray(at, at + chunkSize)));
  return fileDigest(digests);
}

// Lets the messages still on their way reach the daemon.
const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

function options(daemon, extra = {}) {
  return { url: URL, WebSocket: daemon.WebSocket, chunkSize: CHUNK, ...extra };
}

test('an upload arrives whole, with its digest, and reports 100% once, last', async () => {
  const daemon = new FakeDaemon();
  const bytes = new Uint8Array(randomBytes(5 * CHUNK + 1234));
  const reports = [];
  let ready = null;
  const result = await uploadFile(fileOf(bytes), options(daemon, {
    inFlight: 3,
    onProgress: (p) => reports.push(p),
    onReady: (r) => { ready = r; },
  }));
  assert.equal(result.name, 'data.bin');
  assert.equal(result.size, bytes.length);
  assert.equal(result.digest, digestOf(bytes));
  assert.match(result.id, /^[0-9a-f]{32}$/);
  assert.deepEqual(ready, { id: result.id, missing: [[0, bytes.length]] });
  assert.deepEqual(daemon.files.get('data.bin'), bytes);
  assert.ok(daemon.maxUnacked <= 3, `${daemon.maxUnacked} chunks in flight`);
  assert.ok(daemon.maxUnacked > 1, 'chunks are pipelined');
  const last = reports[reports.length - 1];
  assert.equal(last.progress, 100);
  assert.equal(last.bytes, bytes.length);
  assert.equal(last.eta_seconds, 0);
  assert.equal(reports.filter((p) => p.progress === 100).length, 1);
  for (const p of reports) {
    assert.equal(p.total, bytes.length);
    assert.ok(p.speed_mbps >= 0);
  }
});

test('no chunk is sent while bufferedAmount is above two chunks', async () => {
  const daemon = new FakeDaemon({ drainDelay: 3 });
  const bytes = new Uint8Array(randomBytes(16 * CHUNK));
  await uploadFile(fileOf(bytes), options(daemon, { inFlight: 8 }));
  assert.deepEqual(daemon.files.get('data.bin'), bytes);
  assert.ok(daemon.maxBuffered <= 3 * (CHUNK + 28), `${daemon.maxBuffered} bytes buffered`);
  assert.ok(daemon.maxBuffered > CHUNK, 'chunks were queued');
});

test('options.name overrides the file name, and a Blob uploads too', async () => {
  const daemon = new FakeDaemon();
  const bytes = new Uint8Array(randomBytes(1000));
  const result = await uploadFile(new Blob([bytes]), options(daemon, { name: 'other.bin' }));
  assert.equal(result.name, 'other.bin');
  assert.deepEqual(daemon.files.get('other.bin'), bytes);
});

test('an empty file is an upload of no chunks', async () => {
  const daemon = new FakeDaemon();
  const reports = [];
  const result = await uploadFile(fileOf(new Uint8Array(0), 'empty'), options(daemon, {
    onProgress: (p) => reports.push(p),
  }));
  assert.equal(result.digest, fileDigest([]));
  assert.equal(daemon.files.get('empty').length, 0);
  assert.deepEqual(reports.map((p) => p.progress), [100]);
});

test('a dropped connection is resumed under the same id, sending only what is missing', async () => {
  const daemon = new FakeDaemon({ dropAfter: 4 });
  const bytes = new Uint8Array(randomBytes(10 * CHUNK));
  const readies = [];
  const result = await uploadFile(fileOf(bytes), options(daemon, {
    inFlight: 2,
    onReady: (r) => readies.push(r),
  }));
  assert.equal(daemon.connections, 2);
  assert.equal(readies.length, 2);
  assert.equal(readies[1].id, readies[0].id);
  assert.equal(result.id, readies[0].id);
  assert.notDeepEqual(readies[1].missing, [[0, bytes.length]]);
  assert.deepEqual(daemon.files.get('data.bin'), bytes);
  // Chunks acknowledged before the drop went once.
  const [firstMissing] = readies[1].missing[0];
  for (let index = 0; index < firstMissing / CHUNK; index++) {
    assert.equal(daemon.received.get(`${result.id}/${index}`), 1, `chunk ${index}`);
  }
});

test('resumeId continues an earlier upload, hashing the chunks already there', async () => {
  const daemon = new FakeDaemon();
  const bytes = new Uint8Array(randomBytes(6 * CHUNK + 17));
  const id = 'ab'.repeat(16);
  daemon.seedPartial(id, 'data.bin', bytes, CHUNK, [0, 1, 4]);
  const result = await uploadFile(fileOf(bytes), options(daemon, { resumeId: id }));
  assert.equal(result.id, id);
  assert.equal(result.digest, digestOf(bytes));
  assert.deepEqual([...daemon.received.keys()].sort(), [2, 3, 5, 6].map((i) => `${id}/${i}`));
  assert.deepEqual(daemon.files.get('data.bin'), bytes);
});

test('a rejected chunk is sent again, and one rejected four times fails the upload', async () => {
  const daemon = new FakeDaemon({ reject: new Map([[1, 2]]) });
  const bytes = new Uint8Array(randomBytes(3 * CHUNK));
  const result = await uploadFile(fileOf(bytes), options(daemon));
  assert.equal(daemon.received.get(`${result.id}/1`), 3);
  assert.deepEqual(daemon.files.get('data.bin'), bytes);

  const stubborn = new FakeDaemon({ reject: new Map([[0, 10]]) });
  await assert.rejects(uploadFile(fileOf(bytes), options(stubborn)), { code: 'chunk_rejected' });
});

test('the daemon\'s error rejects with its message and code, without retrying', async () => {
  const daemon = new FakeDaemon({ refuse: { code: 'file_exists', message: 'data.bin exists already' } });
  await assert.rejects(uploadFile(fileOf(new Uint8Array(10)), options(daemon)),
                       { name: 'StreamdError', message: 'data.bin exists already', code: 'file_exists' });
  assert.equal(daemon.connections, 1);
});

test('aborting an upload cancels it at the daemon and rejects with an AbortError', async () => {
  const controller = new AbortController();
  const daemon = new FakeDaemon({ onChunk: (count) => { if (count === 3) controller.abort(); } });
  const bytes = new Uint8Array(randomBytes(20 * CHUNK));
  let id = null;
  const upload = uploadFile(fileOf(bytes), options(daemon, {
    signal: controller.signal,
    onReady: (r) => { id = r.id; },
  }));
  await assert.rejects(upload, { name: 'AbortError' });
  await settle();
  assert.deepEqual(daemon.canceled, [id]);
  assert.equal(daemon.files.size, 0);
});

test('a key is proved when the daemon asks for one, and the token is handed out', async () => {
  const daemon = new FakeDaemon({ key: KEY });
  const tokens = [];
  const bytes = new Uint8Array(randomBytes(CHUNK));
  await uploadFile(fileOf(bytes), options(daemon, { key: KEY, onAuthenticated: (t) => tokens.push(t) }));
  const expected = createHmac('sha256', KEY.trim()).update('streamd web token v1').digest('hex');
  assert.deepEqual(tokens, [expected]);
  assert.deepEqual(await authenticate(options(daemon, { key: KEY })), { auth: true, token: expected });
  assert.deepEqual(await authenticate(options(new FakeDaemon())), { auth: false, token: null });
});

test('a missing or wrong key rejects at once', async () => {
  const daemon = new FakeDaemon({ key: KEY });
  await assert.rejects(uploadFile(fileOf(new Uint8Array(1)), options(daemon)), { code: 'key_required' });
  await assert.rejects(uploadFile(fileOf(new Uint8Array(1)), options(daemon, { key: 'not the key at all' })),
                       { message: 'wrong key', code: 1008 });
  assert.equal(daemon.connections, 2);
});

test('a download arrives whole, in order, from ArrayBuffers or odd Buffers', async () => {
  for (const binaryAsBuffer of [false, true]) {
    const daemon = new FakeDaemon({ binaryAsBuffer });
    const bytes = new Uint8Array(randomBytes(7 * CHUNK + 99));
    daemon.files.set('x.bin', bytes);
    const reports = [];
    const blob = await downloadFile('x.bin', options(daemon, { inFlight: 3, onProgress: (p) => reports.push(p) }));
    assert.ok(blob instanceof Blob);
    assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes);
    await settle();
    assert.equal(daemon.ended.length, 1);
    assert.equal(reports.filter((p) => p.progress === 100).length, 1);
    assert.equal(reports[reports.length - 1].progress, 100);
  }
});

test('a damaged chunk is asked for again, and onChunk sees the chunks in order', async () => {
  const daemon = new FakeDaemon({ damage: new Map([[1, 2], [3, 1]]) });
  const bytes = new Uint8Array(randomBytes(5 * CHUNK));
  daemon.files.set('x.bin', bytes);
  const seen = [];
  const result = await downloadFile('x.bin', options(daemon, {
    onChunk: async (index, data) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push([index, Buffer.from(data).toString('hex')]);
    },
  }));
  assert.deepEqual(result, { name: 'x.bin', size: bytes.length });
  assert.deepEqual(seen.map(([i]) => i), [0, 1, 2, 3, 4]);
  assert.equal(seen.map(([, hex]) => hex).join(''), Buffer.from(bytes).toString('hex'));
});

test('a chunk damaged four times, or a missing file, rejects the download', async () => {
  const daemon = new FakeDaemon({ damage: new Map([[0, 4]]) });
  daemon.files.set('x.bin', new Uint8Array(randomBytes(CHUNK)));
  await assert.rejects(downloadFile('x.bin', options(daemon)), { code: 'digest_mismatch' });
  await assert.rejects(downloadFile('nope', options(new FakeDaemon())),
                       { code: 'not_found', message: 'nope does not exist' });
});

test('aborting a download rejects with an AbortError', async () => {
  const daemon = new FakeDaemon();
  daemon.files.set('x.bin', new Uint8Array(randomBytes(8 * CHUNK)));
  const controller = new AbortController();
  const download = downloadFile('x.bin', options(daemon, {
    signal: controller.signal,
    onChunk: (index) => { if (index === 2) controller.abort(); },
  }));
  await assert.rejects(download, { name: 'AbortError' });
});

test('an empty file downloads as an empty Blob', async () => {
  const daemon = new FakeDaemon();
  daemon.files.set('empty', new Uint8Array(0));
  const blob = await downloadFile('empty', options(daemon));
  assert.equal(blob.size, 0);
});

test('an unreachable daemon fails the upload after options.retries more tries', async () => {
  let attempts = 0;
  class Unreachable {
    constructor() {
      attempts++;
      this.readyState = 0;
      setImmediate(() => { this.readyState = 3; this.onerror?.({}); this.onclose?.({ code: 1006, reason: '' }); });
    }
    close() {}
  }
  const started = Date.now();
  await assert.rejects(uploadFile(fileOf(new Uint8Array(1)), { url: URL, WebSocket: Unreachable, retries: 1 }),
                       { code: 1006, message: 'the connection to the daemon was lost' });
  assert.equal(attempts, 2);
  assert.ok(Date.now() - started >= 450, 'waits before trying again');

  const controller = new AbortController();
  const upload = uploadFile(fileOf(new Uint8Array(1)), { url: URL, WebSocket: Unreachable, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(upload, { name: 'AbortError' });
});
