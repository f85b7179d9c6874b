// Files through the page's own client (daemon/web/streamd.js) into a real daemon and back,
// compared by SHA-256 at every stop; a connection cut in the middle of an upload; and the
// stored files read back over HTTP with ranges by curl.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { File } from 'node:buffer';
import * as fs from 'node:fs';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';

import WebSocket from 'ws';

import { Streamd, sourceRoot, withDaemonLog, writeRandomFile } from './harness.mjs';
import { CuttingProxy } from './proxy.mjs';
import { MessageSocket, upload } from './messages.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
const run = promisify(execFile);

const clientPath = process.env.STREAMD_WEB_CLIENT ?? path.join(sourceRoot, 'daemon', 'web', 'streamd.js');
// tmpfs where there is one: the files here are large and the disk is not under test.
const tmpRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

let daemon;
let work;

before(async () => {
    daemon = await Streamd.start({ tmpRoot });
    work = await mkdtemp(path.join(tmpRoot, 'streamd-web-files-'));
});

after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
    const status = await daemon.stop();
    assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
});

const withLog = (body) => withDaemonLog(daemon, body);

// A file of random bytes in the test's folder, and its SHA-256.
async function randomFile(name, size) {
    const file = path.join(work, name);
    return { file, sha256: await writeRandomFile(file, size) };
}

async function sha256OfFile(file) {
    const hash = createHash('sha256');
    for await (const piece of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(piece);
    return hash.digest('hex');
}

async function sha256OfBlob(blob) {
    const hash = createHash('sha256');
    for await (const piece of blob.stream()) hash.update(piece);
    return hash.digest('hex');
}

// A File the way a page gets one from an <input>: named, with a date, its bytes read lazily.
async function fileFor(file, name, lastModified) {
    const blob = await fs.openAsBlob(file);
    return new File([blob], name, { lastModified });
}

describe('round trips through daemon/web/streamd.js', () => {
    let client;
    before(async () => {
        client = await import(pathToFileURL(clientPath).href);
        for (const f of ['uploadFile', 'downloadFile'])
            assert.equal(typeof client[f], 'function', `streamd.js exports no ${f}`);
    });

    const sizes = [
        ['0 B', 0],
        ['1 B', 1],
        ['4 MiB - 1', 4 * MiB - 1],
        ['4 MiB', 4 * MiB],
        ['4 MiB + 1', 4 * MiB + 1],
        ['300 MiB', 300 * MiB],
    ];
    for (const [label, size] of sizes) {
        it(`uploads and downloads ${label} unchanged`, { timeout: size > 100 * MiB ? 600_000 : 60_000 }, () => withLog(async () => {
            const name = `roundtrip-${size}.bin`;
            const source = await randomFile(name, size);
            const lastModified = 1_700_000_000_000 + size;
            const progress = [];
            const result = await client.uploadFile(await fileFor(source.file, name, lastModified), {
                url: daemon.wsUrl, WebSocket, onProgress: (p) => progress.push(p.progress),
            });
            assert.equal(result.name, name);
            assert.equal(result.size, size);

            const stored = path.join(daemon.incoming, name);
            assert.equal((await stat(stored)).size, size);
            assert.equal(await sha256OfFile(stored), source.sha256, 'the stored file differs from the source');
            const st = await stat(stored, { bigint: true });
            assert.equal(st.mtimeNs / 1_000_000n, BigInt(lastModified), 'the stored file lost its date');
            assert.ok(progress.length > 0, 'no progress was reported');
            assert.equal(progress.at(-1), 100);
            for (let i = 1; i < progress.length; i++)
                assert.ok(progress[i] >= progress[i - 1], `progress went back: ${progress.slice(i - 1, i + 1)}`);

            const blob = await client.downloadFile(name, { url: daemon.wsUrl, WebSocket });
            assert.equal(blob.size, size);
            assert.equal(await sha256OfBlob(blob), source.sha256, 'the downloaded Blob differs from the source');
            await rm(source.file);
        }));
    }

    it('resumes an upload whose connection is cut, sending only the chunks the daemon lacks', { timeout: 120_000 }, (t) => withLog(async () => {
        const chunkSize = 4 * MiB;
        const size = 10 * chunkSize + 12345;
        const name = 'resumed.bin';
        const source = await randomFile(name, size);
        // The first connection dies right after the daemon has acknowledged two chunks.
        const proxy = await CuttingProxy.start(daemon.port, {
            cutAfter: (conn, message) => conn.index === 0 && message.type === 'chunk_received' && conn.acked.size >= 2,
        });
        try {
            const result = await client.uploadFile(await fileFor(source.file, name, 1_700_000_000_000), {
                url: `ws://127.0.0.1:${proxy.port}/ws`, WebSocket, chunkSize,
            });
            assert.equal(result.size, size);
        } finally {
            await proxy.close();
        }
        assert.equal(await sha256OfFile(path.join(daemon.incoming, name)), source.sha256);

        const [first, ...later] = proxy.connections;
        assert.ok(first.cut, 'the first connection was never cut');
        assert.ok(later.length >= 1, 'the client did not connect again');
        const acked = new Set(first.acked);
        let resentBytes = 0;
        for (const conn of later) {
            const again = conn.sentChunks.filter((i) => acked.has(i));
            assert.deepEqual(again, [], `connection ${conn.index} sent chunks the daemon had acknowledged`);
            for (const i of conn.acked) acked.add(i);
            resentBytes += conn.sentDataBytes;
        }
        const chunks = Math.ceil(size / chunkSize);
        assert.equal(acked.size, chunks, 'not every chunk was acknowledged');
        assert.ok(resentBytes <= size - first.acked.size * chunkSize,
            `${resentBytes} bytes after the cut, but only ${size - first.acked.size * chunkSize} were missing`);
        t.diagnostic(`${proxy.connections.length} connections; before the cut ${first.sentDataBytes} bytes sent, `
            + `chunks ${[...first.acked].sort((a, b) => a - b)} acknowledged; after it ${resentBytes} bytes `
            + `of ${size} sent, chunks ${later.flatMap((c) => c.sentChunks)}`);
        await rm(source.file);
    }));

    it('stops with the daemon\'s error for a name it refuses', () => withLog(async () => {
        const file = new File([Buffer.from('x')], '..', { lastModified: 0 });
        await assert.rejects(client.uploadFile(file, { url: daemon.wsUrl, WebSocket, retries: 0 }),
            (e) => e.code === 'name_invalid');
    }));

    it('stops with not_found for a download of a name that is not there', () => withLog(async () => {
        await assert.rejects(client.downloadFile('no-such-file.bin', { url: daemon.wsUrl, WebSocket }),
            (e) => e.code === 'not_found');
    }));
});

describe('ranges over HTTP with curl', () => {
    const size = 1000;
    const name = 'ranges.bin';
    let bytes;

    before(async () => {
        // Uploaded over the web protocol, so that what HTTP serves is what arrived there.
        bytes = randomBytes(size);
        const s = await MessageSocket.open(daemon.wsUrl);
        try {
            await upload(s, name, bytes);
        } finally {
            await s.close();
        }
    });

    // curl's status code, headers and body for `args`.
    async function curl(...args) {
        const dir = await mkdtemp(path.join(work, 'curl-'));
        const headers = path.join(dir, 'headers');
        const body = path.join(dir, 'body');
        const { stdout } = await run('curl', ['--silent', '--show-error', '--max-time', '30',
            '--dump-header', headers, '--output', body, '--write-out', '%{http_code}',
            ...args, daemon.url(`/files/${name}`)]);
        const head = {};
        for (const line of (await readFile(headers, 'latin1')).split('\r\n').slice(1)) {
            const colon = line.indexOf(':');
            if (colon > 0) head[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
        }
        const result = { status: Number(stdout), headers: head, body: existsSync(body) ? await readFile(body) : Buffer.alloc(0) };
        await rm(dir, { recursive: true });
        return result;
    }

    it('serves the whole file', () => withLog(async () => {
        const r = await curl();
        assert.equal(r.status, 200);
        assert.equal(r.headers['accept-ranges'], 'bytes');
        assert.deepEqual(r.body, bytes);
    }));

    it('serves the first 100 bytes for -r 0-99', () => withLog(async () => {
        const r = await curl('-r', '0-99');
        assert.equal(r.status, 206);
        assert.equal(r.headers['content-range'], `bytes 0-99/${size}`);
        assert.deepEqual(r.body, bytes.subarray(0, 100));
    }));

    it('serves the last 100 bytes for -r -100', () => withLog(async () => {
        const r = await curl('-r', '-100');
        assert.equal(r.status, 206);
        assert.equal(r.headers['content-range'], `bytes ${size - 100}-${size - 1}/${size}`);
        assert.deepEqual(r.body, bytes.subarray(size - 100));
    }));

    it('cuts a range that ends past the file to the file', () => withLog(async () => {
        const r = await curl('-r', `${size - 10}-${size + 500}`);
        assert.equal(r.status, 206);
        assert.equal(r.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`);
        assert.deepEqual(r.body, bytes.subarray(size - 10));
    }));

    it('answers a range that starts past the end with 416', () => withLog(async () => {
        const r = await curl('-r', `${size}-${size + 10}`);
        assert.equal(r.status, 416);
        assert.equal(r.headers['content-range'], `bytes */${size}`);
    }));
});
