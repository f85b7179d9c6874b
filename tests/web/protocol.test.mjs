// Uploads and downloads over the web protocol (docs/WEBSOCKET.md), message by message, against
// a real daemon whose incoming folder the tests look into.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, rename, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { Streamd, sourceRoot, withDaemonLog } from './harness.mjs';
import {
    MessageSocket, chunkMessage, chunksOf, expectReceived, fileDigest, normalizeRanges, parseChunk, randomId,
    upload,
} from './messages.mjs';
// The client's own, checked against libxxhash in client/digests.test.mjs.
import { xxh32 } from '../../daemon/web/streamd.js';

// The codes docs/WEBSOCKET.md lists, for errors whose code it leaves open.
const errorCodes = ['bad_request', 'name_invalid', 'too_large', 'no_space', 'file_exists', 'busy',
    'not_found', 'digest_mismatch', 'unknown_id', 'io_error', 'canceled', 'stalled'];
const KiB = 1024;
const MiB = 1024 * KiB;
const chunkSize = 64 * KiB;
const maxFileSize = 64 * MiB;

let daemon;
const open = [];

before(async () => {
    // on_conflict = "fail" makes an existing name an error the protocol must report.
    daemon = await Streamd.start({ maxFileSize: `"${maxFileSize / MiB}M"`, onConflict: 'fail' });
});

after(async () => {
    const status = await daemon.stop();
    assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
});

afterEach(async () => {
    while (open.length) await open.pop().kill().catch(() => {});
});

async function connect() {
    assert.ok(daemon.running(), `the daemon is not running\n${daemon.log()}`);
    const s = await MessageSocket.open(daemon.wsUrl);
    open.push(s);
    return s;
}

const incoming = (name) => path.join(daemon.incoming, name);
const partials = async () => (await readdir(daemon.incoming)).filter((n) => n.startsWith('.streamd-')).sort();
const uniqueName = (base) => `${base}-${randomBytes(4).toString('hex')}.bin`;

// streamctl on the daemon's own bus; its standard output.
async function streamctl(args) {
    const binary = process.env.STREAMCTL_BIN ?? path.join(sourceRoot, 'build', 'ctl', 'streamctl');
    const { stdout } = await promisify(execFile)(binary, ['--user', ...args], {
        env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: daemon.busAddress },
    });
    return stdout;
}

const streamctlList = async () => JSON.parse(await streamctl(['list', '--json']));

// A failure message with the daemon's side of the story.
const withLog = (body) => withDaemonLog(daemon, body);

describe('upload', () => {
    it('stores a file sent in chunks byte for byte, with its mtime', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('plain');
        const bytes = randomBytes(3 * chunkSize + 123);
        const mtime = 1_700_000_000_123;
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32', mtime });
        const ready = await s.expect('upload_ready', { name });
        assert.match(ready.id, /^[0-9a-f]{32}$/);
        assert.deepEqual(normalizeRanges(ready.missing), [[0, bytes.length]], 'a new upload misses the whole file');
        for (const [offset, length] of ready.missing) {
            assert.equal(offset % chunkSize, 0, 'missing ranges are aligned to chunks');
            assert.ok(length % chunkSize === 0 || offset + length === bytes.length);
        }

        const chunks = chunksOf(bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        chunks.forEach((c, i) => s.sendBinary(chunkMessage(ready.id, i, c, digests[i])));
        await expectReceived(s, ready.id, [0, 1, 2, 3]);
        assert.ok(!existsSync(incoming(name)), 'the file is in place before finish_upload');

        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(digests) });
        const done = await s.expect('upload_complete', { id: ready.id, name, size: bytes.length });
        assert.equal(done.digest, fileDigest(digests));
        assert.deepEqual(await readFile(incoming(name)), bytes);
        const st = await stat(incoming(name), { bigint: true });
        assert.equal(st.mtimeNs / 1_000_000n, BigInt(mtime), 'the file carries the mtime it was given');
        assert.deepEqual(await partials(), [], 'a finished upload leaves no partial file behind');
    }));

    it('shows in streamctl list as an incoming transfer from a browser', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('listed');
        const bytes = randomBytes(2 * chunkSize);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready', { name });
        const chunks = chunksOf(bytes, chunkSize);
        s.sendBinary(chunkMessage(ready.id, 0, chunks[0]));
        await expectReceived(s, ready.id, [0]);
        let row = (await streamctlList()).find((t) => t.name === name);
        assert.ok(row, 'the upload is not listed');
        assert.equal(row.direction, 'in');
        assert.equal(row.state, 'running');
        assert.match(row.peer, /^127\.0\.0\.1:\d+ \(browser\)$/);
        assert.equal(row.bytes_done, chunkSize);

        s.sendBinary(chunkMessage(ready.id, 1, chunks[1]));
        await expectReceived(s, ready.id, [1]);
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(chunks.map((c) => xxh32(c))) });
        await s.expect('upload_complete', { id: ready.id });
        row = (await streamctlList()).find((t) => t.name === name);
        assert.equal(row.state, 'done');
        assert.equal(row.bytes_done, bytes.length);
    }));

    it('ends when streamctl cancels it, and leaves no partial file', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('canceled-by-streamctl');
        const chunks = chunksOf(randomBytes(2 * chunkSize), chunkSize);
        s.send({ type: 'start_upload', name, size: 2 * chunkSize, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready', { name });
        s.sendBinary(chunkMessage(ready.id, 0, chunks[0]));
        await expectReceived(s, ready.id, [0]);
        const row = (await streamctlList()).find((t) => t.name === name);
        await streamctl(['cancel', String(row.id)]);
        await s.expectError('canceled', { id: ready.id });
        assert.deepEqual(await partials(), []);
        assert.equal((await streamctlList()).find((t) => t.name === name).state, 'canceled');
    }));

    it('takes the id the client gives for a new upload', () => withLog(async () => {
        const s = await connect();
        const id = randomId();
        const bytes = randomBytes(1000);
        const done = await upload(s, uniqueName('own-id'), bytes, { id });
        assert.equal(done.id, id);
    }));

    it('stores an empty file', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('empty');
        s.send({ type: 'start_upload', name, size: 0, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready', { name });
        assert.deepEqual(normalizeRanges(ready.missing), []);
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest([]) });
        await s.expect('upload_complete', { id: ready.id, name, size: 0 });
        assert.equal((await stat(incoming(name))).size, 0);
    }));

    it('accepts chunks in any order', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('reversed');
        const bytes = randomBytes(5 * chunkSize - 1);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready');
        const chunks = chunksOf(bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        for (let i = chunks.length - 1; i >= 0; i--) s.sendBinary(chunkMessage(ready.id, i, chunks[i], digests[i]));
        await expectReceived(s, ready.id, [0, 1, 2, 3, 4]);
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(digests) });
        await s.expect('upload_complete', { id: ready.id });
        assert.deepEqual(await readFile(incoming(name)), bytes);
    }));

    it('rejects a chunk whose data does not match its digest, and takes it again', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('rejected');
        const bytes = randomBytes(2 * chunkSize + 10);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready');
        const chunks = chunksOf(bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        const damaged = Buffer.from(chunks[1]);
        damaged[100] ^= 0x01;
        s.sendBinary(chunkMessage(ready.id, 1, damaged, digests[1]));
        const rejected = await s.expect('chunk_rejected', { id: ready.id, index: 1 });
        assert.equal(rejected.reason, 'digest mismatch');

        chunks.forEach((c, i) => s.sendBinary(chunkMessage(ready.id, i, c, digests[i])));
        await expectReceived(s, ready.id, [0, 1, 2]);
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(digests) });
        await s.expect('upload_complete', { id: ready.id });
        assert.deepEqual(await readFile(incoming(name)), bytes, 'the rejected data was written');
    }));

    it('acknowledges a chunk it has already without writing it again', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('twice');
        const bytes = randomBytes(2 * chunkSize);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready');
        const chunks = chunksOf(bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        s.sendBinary(chunkMessage(ready.id, 0, chunks[0], digests[0]));
        await expectReceived(s, ready.id, [0]);
        // Other data with its own right digest: written again, it would change the file.
        const other = randomBytes(chunkSize);
        s.sendBinary(chunkMessage(ready.id, 0, other));
        await expectReceived(s, ready.id, [0]);
        s.sendBinary(chunkMessage(ready.id, 1, chunks[1], digests[1]));
        await expectReceived(s, ready.id, [1]);
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(digests) });
        await s.expect('upload_complete', { id: ready.id });
        assert.deepEqual(await readFile(incoming(name)), bytes);
    }));

    it('takes chunks without digests when the upload says "none"', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('no-digest');
        const bytes = randomBytes(chunkSize + 7);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'none' });
        const ready = await s.expect('upload_ready');
        chunksOf(bytes, chunkSize).forEach((c, i) => s.sendBinary(chunkMessage(ready.id, i, c, 0)));
        await expectReceived(s, ready.id, [0, 1]);
        s.send({ type: 'finish_upload', id: ready.id, digest: '' });
        await s.expect('upload_complete', { id: ready.id, name, size: bytes.length });
        assert.deepEqual(await readFile(incoming(name)), bytes);
    }));

    it('refuses a finish whose file digest is wrong, and does not store the file', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('wrong-digest');
        const bytes = randomBytes(chunkSize + 1);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' });
        const ready = await s.expect('upload_ready');
        const chunks = chunksOf(bytes, chunkSize);
        chunks.forEach((c, i) => s.sendBinary(chunkMessage(ready.id, i, c)));
        await expectReceived(s, ready.id, [0, 1]);
        const wrong = fileDigest(chunks.map((c) => xxh32(c) ^ 1));
        s.send({ type: 'finish_upload', id: ready.id, digest: wrong });
        await s.expectError('digest_mismatch', { id: ready.id });
        assert.ok(!existsSync(incoming(name)));
        // The connection stays open.
        await upload(s, uniqueName('after-mismatch'), randomBytes(10));
    }));

    for (const [what, name] of [
        ['a parent reference', '../x'],
        ['a path', 'a/b'],
        ['an empty name', ''],
        ['"."', '.'],
        ['".."', '..'],
        ['a NUL', 'a\u0000b'],
        ['a control character', 'a\nb'],
        ['the partial-file prefix', '.streamd-x'],
        ['256 bytes', 'n'.repeat(256)],
    ]) {
        it(`refuses a name with ${what} as name_invalid`, () => withLog(async () => {
            const s = await connect();
            const before = await partials();
            s.send({ type: 'start_upload', name, size: 10, chunk_size: chunkSize, digest: 'xxh32' });
            await s.expectError('name_invalid');
            assert.deepEqual(await partials(), before, 'a refused name left a partial file');
        }));
    }

    for (const [what, size] of [
        ['not a multiple of 4096', chunkSize + 1],
        ['below 64 KiB', 32 * KiB],
        ['zero', 0],
    ]) {
        it(`refuses a chunk size ${what} as bad_request`, () => withLog(async () => {
            const s = await connect();
            s.send({ type: 'start_upload', name: uniqueName('chunk-size'), size: 10, chunk_size: size, digest: 'xxh32' });
            await s.expectError('bad_request');
        }));
    }

    it('refuses a chunk size above max_chunk_size as bad_request', () => withLog(async () => {
        const s = await connect();
        const size = s.hello.max_chunk_size + 4096;
        s.send({ type: 'start_upload', name: uniqueName('chunk-size'), size: 10, chunk_size: size, digest: 'xxh32' });
        await s.expectError('bad_request');
    }));

    for (const [what, message, codes] of [
        // A name that is not there is as much a bad name as a bad request.
        ['without a name', { size: 10, chunk_size: chunkSize, digest: 'xxh32' }, ['bad_request', 'name_invalid']],
        ['with a name that is not a string', { name: 42, size: 10, chunk_size: chunkSize, digest: 'xxh32' }, ['bad_request', 'name_invalid']],
        ['without a size', { name: 'x.bin', chunk_size: chunkSize, digest: 'xxh32' }],
        ['with a negative size', { name: 'x.bin', size: -1, chunk_size: chunkSize, digest: 'xxh32' }],
        ['with a fractional size', { name: 'x.bin', size: 1.5, chunk_size: chunkSize, digest: 'xxh32' }],
        ['with an unknown digest', { name: 'x.bin', size: 10, chunk_size: chunkSize, digest: 'md5' }],
        ['with a malformed id', { name: 'x.bin', size: 10, chunk_size: chunkSize, digest: 'xxh32', id: 'XYZ' }],
    ]) {
        it(`refuses a start_upload ${what} as ${(codes ?? ['bad_request']).join(' or ')}`, () => withLog(async () => {
            const s = await connect();
            s.send({ type: 'start_upload', ...message });
            await s.expectError(codes ?? 'bad_request');
        }));
    }

    it('ignores fields it does not know', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('extra-fields');
        s.send({ type: 'start_upload', name, size: 5, chunk_size: chunkSize, digest: 'xxh32', colour: 'blue', extra: { a: [1] } });
        const ready = await s.expect('upload_ready', { name });
        s.sendBinary(chunkMessage(ready.id, 0, Buffer.from('hello')));
        await expectReceived(s, ready.id, [0]);
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest([xxh32(Buffer.from('hello'))]), future: true });
        await s.expect('upload_complete', { id: ready.id });
    }));

    it('refuses a file over max_file_size as too_large', () => withLog(async () => {
        const s = await connect();
        s.send({ type: 'start_upload', name: uniqueName('large'), size: maxFileSize + 1, chunk_size: chunkSize, digest: 'xxh32' });
        await s.expectError('too_large');
    }));

    it('reports a name that exists already as file_exists under on_conflict = "fail"', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('exists');
        await writeFile(incoming(name), 'already here');
        const bytes = randomBytes(100);
        s.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' });
        // The daemon may see the conflict at once or only when the file is to take its place.
        const answer = await s.next('upload_ready or error');
        if (answer.type === 'upload_ready') {
            s.sendBinary(chunkMessage(answer.id, 0, bytes));
            await expectReceived(s, answer.id, [0]);
            s.send({ type: 'finish_upload', id: answer.id, digest: fileDigest([xxh32(bytes)]) });
            await s.expectError('file_exists', { id: answer.id });
        } else {
            assert.equal(answer.type, 'error', JSON.stringify(answer));
            assert.equal(answer.code, 'file_exists');
        }
        assert.equal(await readFile(incoming(name), 'utf8'), 'already here');
    }));

    it('resumes after a dropped connection, asking only for what was not acknowledged', () => withLog(async () => {
        const name = uniqueName('resume');
        const bytes = randomBytes(6 * chunkSize + 999);
        const chunks = chunksOf(bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        const id = randomId();
        const start = {
            type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32', id,
            mtime: 1_700_000_000_000,
        };

        const first = await connect();
        first.send(start);
        const ready = await first.expect('upload_ready', { id, name });
        for (const i of [0, 2, 3, 6]) first.sendBinary(chunkMessage(id, i, chunks[i], digests[i]));
        await expectReceived(first, id, [0, 2, 3, 6]);
        assert.deepEqual(normalizeRanges(ready.missing), [[0, bytes.length]]);
        await first.kill();

        // The daemon may not have noticed the drop yet: the upload is taken over.
        const second = await connect();
        second.send(start);
        const resumed = await second.expect('upload_ready', { id, name });
        assert.deepEqual(normalizeRanges(resumed.missing),
            [[chunkSize, chunkSize], [4 * chunkSize, 2 * chunkSize]]);
        for (const i of [1, 4, 5]) second.sendBinary(chunkMessage(id, i, chunks[i], digests[i]));
        await expectReceived(second, id, [1, 4, 5]);
        second.send({ type: 'finish_upload', id, digest: fileDigest(digests) });
        await second.expect('upload_complete', { id, name, size: bytes.length });
        assert.deepEqual(await readFile(incoming(name)), bytes);
    }));

    // Without an mtime the file has none to match on: a resume in a later second is still
    // the same file.
    it('resumes an upload without mtime from a later second', () => withLog(async () => {
        const name = uniqueName('resume-no-mtime');
        const bytes = randomBytes(3 * chunkSize);
        const chunks = chunksOf(bytes, chunkSize);
        const id = randomId();
        const start = { type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32', id };

        const first = await connect();
        first.send(start);
        await first.expect('upload_ready', { id });
        const second = Math.floor(Date.now() / 1000);
        first.sendBinary(chunkMessage(id, 1, chunks[1]));
        await expectReceived(first, id, [1]);
        await first.kill();

        // The scenario needs the wall clock in a later second than the first start_upload.
        while (Math.floor(Date.now() / 1000) <= second)
            await new Promise((resolve) => setTimeout(resolve, (second + 1) * 1000 - Date.now() + 1));
        const again = await connect();
        again.send(start);
        const resumed = await again.expect('upload_ready', { id });
        assert.deepEqual(normalizeRanges(resumed.missing), [[0, chunkSize], [2 * chunkSize, chunkSize]]);
        again.send({ type: 'cancel_upload', id });
        await again.expect('upload_canceled', { id });
    }));

    it('starts over when a resume names another size', () => withLog(async () => {
        const name = uniqueName('resume-other-size');
        const id = randomId();
        const first = await connect();
        first.send({ type: 'start_upload', name, size: 2 * chunkSize, chunk_size: chunkSize, digest: 'xxh32', id });
        await first.expect('upload_ready', { id });
        first.sendBinary(chunkMessage(id, 0, randomBytes(chunkSize)));
        await expectReceived(first, id, [0]);
        await first.kill();

        const second = await connect();
        const bytes = randomBytes(3 * chunkSize);
        second.send({ type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32', id });
        const answer = await second.next('upload_ready or error');
        // Nothing of the old partial file may be taken for the new one.
        if (answer.type === 'upload_ready') {
            assert.deepEqual(normalizeRanges(answer.missing), [[0, bytes.length]]);
        } else {
            assert.equal(answer.type, 'error', JSON.stringify(answer));
        }
    }));

    it('cancels an upload and removes its partial file', () => withLog(async () => {
        const s = await connect();
        const before = await partials();
        const name = uniqueName('canceled');
        const id = randomId();
        const start = { type: 'start_upload', name, size: 3 * chunkSize, chunk_size: chunkSize, digest: 'xxh32', id };
        s.send(start);
        await s.expect('upload_ready', { id });
        s.sendBinary(chunkMessage(id, 1, randomBytes(chunkSize)));
        await expectReceived(s, id, [1]);
        assert.ok((await partials()).length > before.length, 'no partial file while the upload runs');

        s.send({ type: 'cancel_upload', id });
        await s.expect('upload_canceled', { id });
        assert.deepEqual(await partials(), before, 'the partial file is still there');
        assert.ok(!existsSync(incoming(name)));

        // Nothing was kept for a resume either.
        s.send(start);
        const again = await s.expect('upload_ready', { id });
        assert.deepEqual(normalizeRanges(again.missing), [[0, 3 * chunkSize]]);
        s.send({ type: 'cancel_upload', id });
        await s.expect('upload_canceled', { id });
    }));

    for (const type of ['cancel_upload', 'finish_upload']) {
        it(`answers ${type} for an unknown id with unknown_id`, () => withLog(async () => {
            const s = await connect();
            const id = randomId();
            s.send({ type, id, digest: fileDigest([]) });
            await s.expectError('unknown_id', { id });
        }));
    }

    it('closes with 1003 on a binary message too short for its header during an upload', () => withLog(async () => {
        const s = await connect();
        s.send({ type: 'start_upload', name: uniqueName('short'), size: 100, chunk_size: chunkSize, digest: 'xxh32' });
        await s.expect('upload_ready');
        s.sendBinary(randomBytes(20));
        const c = await s.closed();
        assert.equal(c.code, 1003, `closed with ${c.code} ${c.reason}`);
    }));
});

describe('folder upload', () => {
    // Files whose bytes run one after another: chunks of 64 KiB cross from one file to the next.
    const folder = () => {
        const files = [
            ['a.bin', randomBytes(100 * KiB + 7)],
            ['sub/empty.txt', Buffer.alloc(0)],
            ['sub/deeper/b.bin', randomBytes(3 * KiB)],
            ['sub/c.bin', randomBytes(70 * KiB)],
        ];
        return { files, bytes: Buffer.concat(files.map(([, b]) => b)) };
    };
    const start = (name, { files, bytes }, extra = {}) => ({
        type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32',
        files: files.map(([p, b], i) => [p, b.length, 1_700_000_000_000 + i]), folders: ['empty'], ...extra,
    });

    it('stores a folder whose chunks run across its files, with empty folders and mtimes', () => withLog(async () => {
        const s = await connect();
        const name = uniqueName('folder');
        const tree = folder();
        s.send(start(name, tree));
        const ready = await s.expect('upload_ready', { name });
        assert.deepEqual(normalizeRanges(ready.missing), [[0, tree.bytes.length]]);
        const chunks = chunksOf(tree.bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        chunks.forEach((c, i) => s.sendBinary(chunkMessage(ready.id, i, c, digests[i])));
        await expectReceived(s, ready.id, chunks.map((_, i) => i));
        s.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(digests) });
        await s.expect('upload_complete', { id: ready.id, name, size: tree.bytes.length });
        for (const [i, [p, b]] of tree.files.entries()) {
            assert.deepEqual(await readFile(path.join(incoming(name), p)), b, p);
            const st = await stat(path.join(incoming(name), p), { bigint: true });
            assert.equal(st.mtimeNs / 1_000_000n, BigInt(1_700_000_000_000 + i), `the mtime of ${p}`);
        }
        assert.deepEqual(await readdir(path.join(incoming(name), 'empty')), []);
        assert.deepEqual(await partials(), []);
    }));

    it('resumes a folder after a dropped connection, asking only for what was not acknowledged', () => withLog(async () => {
        const name = uniqueName('folder-resume');
        const tree = folder();
        const id = randomId();
        const chunks = chunksOf(tree.bytes, chunkSize);
        const digests = chunks.map((c) => xxh32(c));
        const first = await connect();
        first.send(start(name, tree, { id }));
        await first.expect('upload_ready', { id, name });
        first.sendBinary(chunkMessage(id, 1, chunks[1], digests[1]));
        await expectReceived(first, id, [1]);
        await first.kill();

        const second = await connect();
        second.send(start(name, tree, { id }));
        const resumed = await second.expect('upload_ready', { id, name });
        assert.deepEqual(normalizeRanges(resumed.missing), [[0, chunkSize], [2 * chunkSize, tree.bytes.length - 2 * chunkSize]]);
        for (const i of [0, 2]) second.sendBinary(chunkMessage(id, i, chunks[i], digests[i]));
        await expectReceived(second, id, [0, 2]);
        second.send({ type: 'finish_upload', id, digest: fileDigest(digests) });
        await second.expect('upload_complete', { id, name });
        assert.deepEqual(await readFile(path.join(incoming(name), 'sub/c.bin')), tree.files[3][1]);
    }));

    for (const [what, files, folders] of [
        ['a path that climbs out', [['../x.bin', 1]], []],
        ['an absolute path', [['/etc/x.bin', 1]], []],
        ['an empty name inside a path', [['a//x.bin', 1]], []],
        ['a control character', [['a\nb', 1]], []],
        ['the same path twice', [['x.bin', 1], ['x.bin', 0]], []],
        ['a file where a folder is', [['x', 1], ['x/y.bin', 0]], []],
        ['a folder that climbs out', [['x.bin', 1]], ['..']],
    ]) {
        it(`refuses a folder with ${what} as name_invalid, leaving nothing`, () => withLog(async () => {
            const s = await connect();
            const before = await partials();
            s.send({ type: 'start_upload', name: uniqueName('hostile'), size: 1, chunk_size: chunkSize, digest: 'xxh32', files, folders });
            await s.expectError('name_invalid');
            assert.deepEqual(await partials(), before, 'a refused folder left something');
        }));
    }

    it('refuses a folder whose files do not add up to its size', () => withLog(async () => {
        const s = await connect();
        s.send({ type: 'start_upload', name: uniqueName('sizes'), size: 5, chunk_size: chunkSize, digest: 'xxh32', files: [['x.bin', 4]] });
        const e = await s.expectError('name_invalid');
        assert.match(e.message, /add up to 4 bytes, not 5/);
    }));
});

describe('download', () => {
    async function receivedFile(size, name = uniqueName('download')) {
        const bytes = randomBytes(size);
        await writeFile(incoming(name), bytes);
        return { name, bytes };
    }

    async function fetchChunk(s, id, index) {
        s.send({ type: 'request_chunk', id, index });
        const chunk = parseChunk(await s.expectBinary());
        assert.equal(chunk.id, id);
        assert.equal(chunk.index, index);
        assert.equal(chunk.digest, xxh32(chunk.data), `the digest of chunk ${index} does not match its data`);
        return chunk;
    }

    it('sends a file chunk by chunk with the right header, digest and bytes', () => withLog(async () => {
        const s = await connect();
        const { name, bytes } = await receivedFile(3 * chunkSize + 4321);
        const mtime = new Date(1_650_000_000_000);
        await utimes(incoming(name), mtime, mtime);
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        const ready = await s.expect('download_ready', { name, size: bytes.length, chunk_size: chunkSize });
        assert.match(ready.id, /^[0-9a-f]{32}$/);
        assert.equal(ready.mtime, mtime.getTime());
        const got = [];
        for (let i = 0; i < 4; i++) got.push((await fetchChunk(s, ready.id, i)).data);
        assert.equal(got[3].length, 4321, 'the last chunk holds what is left');
        assert.deepEqual(Buffer.concat(got), bytes);
        s.send({ type: 'end_download', id: ready.id });
    }));

    it('answers chunk requests in the order they were made', () => withLog(async () => {
        const s = await connect();
        const { name, bytes } = await receivedFile(4 * chunkSize);
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        const ready = await s.expect('download_ready');
        const order = [2, 0, 3, 1, 2];
        for (const index of order) s.send({ type: 'request_chunk', id: ready.id, index });
        for (const index of order) {
            const c = parseChunk(await s.expectBinary());
            assert.equal(c.index, index);
            assert.deepEqual(c.data, bytes.subarray(index * chunkSize, (index + 1) * chunkSize));
        }
    }));

    it('uses chunks of 4 MiB when the request names no size', () => withLog(async () => {
        const s = await connect();
        const { name, bytes } = await receivedFile(4 * MiB + 1);
        s.send({ type: 'request_download', name });
        const ready = await s.expect('download_ready', { chunk_size: 4 * MiB, size: bytes.length });
        assert.deepEqual((await fetchChunk(s, ready.id, 1)).data, bytes.subarray(4 * MiB));
        assert.deepEqual((await fetchChunk(s, ready.id, 0)).data, bytes.subarray(0, 4 * MiB));
    }));

    it('sends an empty file as a download of size 0', () => withLog(async () => {
        const s = await connect();
        const { name } = await receivedFile(0);
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        await s.expect('download_ready', { name, size: 0 });
    }));

    it('keeps sending the version of the file it opened', () => withLog(async () => {
        const s = await connect();
        const { name, bytes } = await receivedFile(2 * chunkSize);
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        const ready = await s.expect('download_ready');
        // A new file takes the name; the download holds the old one open.
        await writeFile(incoming(`${name}.new`), randomBytes(2 * chunkSize));
        await rename(incoming(`${name}.new`), incoming(name));
        assert.deepEqual((await fetchChunk(s, ready.id, 1)).data, bytes.subarray(chunkSize));
    }));

    it('answers an unknown name with not_found', () => withLog(async () => {
        const s = await connect();
        s.send({ type: 'request_download', name: uniqueName('missing') });
        await s.expectError('not_found');
    }));

    for (const name of ['../streamd.toml', 'a/b', '', '.streamd-x.part']) {
        it(`refuses to send ${JSON.stringify(name)}`, () => withLog(async () => {
            const s = await connect();
            s.send({ type: 'request_download', name });
            await s.expectError(['name_invalid', 'not_found']);
        }));
    }

    it('refuses a chunk size below 64 KiB as bad_request', () => withLog(async () => {
        const s = await connect();
        const { name } = await receivedFile(10);
        s.send({ type: 'request_download', name, chunk_size: 4096 });
        await s.expectError('bad_request');
    }));

    it('forgets a download after end_download', () => withLog(async () => {
        const s = await connect();
        const { name } = await receivedFile(100);
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        const ready = await s.expect('download_ready');
        s.send({ type: 'end_download', id: ready.id });
        s.send({ type: 'request_chunk', id: ready.id, index: 0 });
        await s.expectError('unknown_id', { id: ready.id });
    }));

    it('answers a chunk past the end with an error for that download', () => withLog(async () => {
        const s = await connect();
        const { name } = await receivedFile(chunkSize);
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        const ready = await s.expect('download_ready');
        s.send({ type: 'request_chunk', id: ready.id, index: 1 });
        const e = await s.expect('error', { id: ready.id });
        assert.ok(errorCodes.includes(e.code), JSON.stringify(e));
    }));

    it('holds at most 16 downloads open on a connection', () => withLog(async () => {
        const s = await connect();
        const { name } = await receivedFile(100);
        const ids = [];
        for (let i = 0; i < 16; i++) {
            s.send({ type: 'request_download', name, chunk_size: chunkSize });
            ids.push((await s.expect('download_ready')).id);
        }
        assert.equal(new Set(ids).size, 16, 'each download has an id of its own');
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        const e = await s.expect('error');
        assert.ok(errorCodes.includes(e.code), JSON.stringify(e));
        s.send({ type: 'end_download', id: ids[0] });
        s.send({ type: 'request_download', name, chunk_size: chunkSize });
        await s.expect('download_ready');
    }));
});
