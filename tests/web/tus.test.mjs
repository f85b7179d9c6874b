// Resumable uploads (tus 1.0.0, docs/HTTP.md) from a client the daemon's authors did not
// write: tus-js-client on Node, one request at a time and with parallel parts joined by
// concatenation, files of 0 B to 300 MiB compared by SHA-256; and an upload whose
// connection a relay cuts half way, which resumes where it stopped. Then the page's own
// client over HTTP, in parts.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as tus from 'tus-js-client';

import { uploadFile } from '../../daemon/web/streamd.js';
import { Streamd, withDaemonLog, writeRandomFile } from './harness.mjs';
import { ByteCuttingRelay } from './proxy.mjs';

const MiB = 1024 * 1024;
const tmpRoot = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

let daemon;
let work;

before(async () => {
    daemon = await Streamd.start({ tmpRoot });
    work = await mkdtemp(path.join(tmpRoot, 'streamd-tus-files-'));
});

after(async () => {
    await rm(work, { recursive: true, force: true });
    const status = await daemon.stop();
    assert.deepEqual(status, { code: 0, signal: null }, 'the daemon exits cleanly after it all');
});

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function upload(bytes, name, { port = daemon.port, parallelUploads = 1 } = {}) {
    return new Promise((resolve, reject) => {
        const u = new tus.Upload(bytes, {
            endpoint: `http://127.0.0.1:${port}/uploads/`,
            metadata: { filename: name },
            parallelUploads,
            // A retry right away and then a few more: the relay cuts once.
            retryDelays: [0, 100, 500, 1000],
            onError: reject,
            onSuccess: () => resolve(u),
        });
        u.start();
    });
}

describe('tus-js-client', () => {
    const sizes = [0, 1, 4 * MiB - 1, 4 * MiB + 1, 300 * MiB];
    for (const parallelUploads of [1, 4]) {
        for (const size of sizes) {
            it(`uploads ${size} bytes with parallelUploads ${parallelUploads}`, () =>
                withDaemonLog(daemon, async () => {
                    const name = `tus-${parallelUploads}-${size}.bin`;
                    const file = path.join(work, name);
                    const digest = await writeRandomFile(file, size);
                    await upload(await readFile(file), name, { parallelUploads });
                    const stored = await readFile(path.join(daemon.incoming, name));
                    assert.equal(stored.length, size);
                    assert.equal(sha256(stored), digest);
                    await rm(file);
                }));
        }
    }

    it('resumes an upload whose connection is cut half way', () =>
        withDaemonLog(daemon, async () => {
            const size = 300 * MiB;
            const name = 'tus-cut.bin';
            const file = path.join(work, name);
            const digest = await writeRandomFile(file, size);
            const relay = await ByteCuttingRelay.start(daemon.port, { cutAt: size / 2 });
            try {
                await upload(await readFile(file), name, { port: relay.port });
                assert.equal(relay.cuts, 1, 'the relay cut the upload');
                // Resumed where the daemon stood, not from the start: starting over would send 1.5 times
                // the file. What sat in socket buffers at the cut is sent again, so the bound is loose.
                assert.ok(relay.upBytes < 1.25 * size, `${relay.upBytes} bytes went up`);
            } finally {
                await relay.close();
            }
            assert.equal(sha256(await readFile(path.join(daemon.incoming, name))), digest);
        }));
});

describe('the page\'s client over HTTP', () => {
    for (const parts of [1, 3]) {
        it(`uploads 100 MiB in ${parts} part${parts === 1 ? '' : 's'} and reports progress`, () =>
            withDaemonLog(daemon, async () => {
                const size = 100 * MiB;
                const name = `client-${parts}.bin`;
                const file = path.join(work, name);
                const digest = await writeRandomFile(file, size);
                const reports = [];
                const result = await uploadFile(new Blob([await readFile(file)]), {
                    name, url: daemon.url('/'), parts, onProgress: (p) => reports.push(p),
                });
                assert.deepEqual(result.name, name);
                assert.equal(result.size, size);
                assert.equal(reports.at(-1).progress, 100);
                assert.equal(sha256(await readFile(path.join(daemon.incoming, name))), digest);
                // The parts were joined and are gone.
                const left = (await readdir(daemon.incoming)).filter((f) => f.startsWith('.streamd-'));
                assert.deepEqual(left, []);
            }));
    }
});
