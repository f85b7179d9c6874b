// Browsers off loopback (docs/WEBSOCKET.md, "Opening"; docs/HTTP.md, "Who may connect"): a
// daemon with a key makes them prove it over the WebSocket before anything else, and the
// token it gives back opens the file list and downloads over plain HTTP. The daemon
// listens on this machine's own non-loopback address, so that the tests' connections come
// from an address that is not loopback.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';

import { uploadFile } from '../../daemon/web/streamd.js';
import { Streamd, withDaemonLog } from './harness.mjs';
import { MessageSocket } from './messages.mjs';

const KEY = 'a key the browser tests share';

function ownAddress() {
    for (const list of Object.values(os.networkInterfaces()))
        for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
    return null;
}

const address = ownAddress();

describe('a daemon with a key, seen from off loopback', {
    skip: address ? false : 'this machine has no address besides loopback',
}, () => {
    let daemon;
    let keyDir;

    before(async () => {
        keyDir = await mkdtemp(path.join(os.tmpdir(), 'streamd-web-key-'));
        const keyFile = path.join(keyDir, 'web.key');
        await writeFile(keyFile, `${KEY}\n`);
        await chmod(keyFile, 0o600);
        daemon = await Streamd.start({ address, extra: `[auth]\nsecret_file = "${keyFile}"` });
    });

    after(async () => {
        const status = await daemon.stop();
        await rm(keyDir, { recursive: true, force: true });
        assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
    });

    const withLog = (body) => withDaemonLog(daemon, body);

    it('asks for the key in hello and refuses anything else first', () => withLog(async () => {
        const s = await MessageSocket.open(daemon.wsUrl);
        assert.equal(s.hello.auth?.method, 'hmac-sha256');
        assert.match(s.hello.auth.nonce, /^[0-9a-f]{64}$/);
        s.send({ type: 'start_upload', name: 'early.bin', size: 1, digest: 'xxh32' });
        const closed = await s.closed();
        assert.equal(closed.code, 1008);
        assert.equal(closed.reason, 'authenticate first');
    }));

    it('closes with 1008 on a wrong proof', () => withLog(async () => {
        const s = await MessageSocket.open(daemon.wsUrl);
        s.send({ type: 'auth', proof: randomBytes(32).toString('hex') });
        const closed = await s.closed();
        assert.deepEqual(closed, { code: 1008, reason: 'wrong key' });
    }));

    it('fails an upload from the page\'s client that has the wrong key', () => withLog(async () => {
        await assert.rejects(
            uploadFile(new Blob([randomBytes(1000)]), {
                name: 'wrong-key.bin', url: daemon.wsUrl, WebSocket, key: 'not the key', retries: 3,
            }),
            (e) => e.code === 1008 && /wrong key/.test(e.message));
    }));

    it('takes an upload that proves the key, and opens the files to its token', () => withLog(async () => {
        const bytes = randomBytes(300_000);
        let token = null;
        const done = await uploadFile(new Blob([bytes]), {
            name: 'with-key.bin', url: daemon.wsUrl, WebSocket, key: KEY,
            onAuthenticated: (t) => { token = t; },
        });
        assert.equal(done.size, bytes.length);
        assert.deepEqual(await readFile(path.join(daemon.incoming, done.name)), bytes);
        assert.match(token ?? '', /^[0-9a-f]{64}$/);

        const fileUrl = daemon.url(`/files/${encodeURIComponent(done.name)}`);
        const refused = await fetch(fileUrl);
        assert.equal(refused.status, 403);
        assert.equal(await refused.text(), 'the key is needed: enter it on the page first\n');
        const list = await fetch(daemon.url('/api/files'), { headers: { cookie: `streamd_token=${token}` } });
        assert.equal(list.status, 200);
        assert.deepEqual((await list.json()).map((f) => f.name), [done.name]);
        const file = await fetch(fileUrl, { headers: { cookie: `streamd_token=${token}` } });
        assert.equal(file.status, 200);
        assert.deepEqual(Buffer.from(await file.arrayBuffer()), bytes);
    }));

    it('takes an HTTP upload from the page\'s client once it proves the key', () => withLog(async () => {
        const bytes = randomBytes(300_000);
        const refused = await fetch(daemon.url('/uploads/'), {
            method: 'POST', headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '1' },
        });
        assert.equal(refused.status, 403);
        let token = null;
        const done = await uploadFile(new Blob([bytes]), {
            name: 'http-with-key.bin', url: daemon.url('/'), transport: 'http', WebSocket, key: KEY,
            onAuthenticated: (t) => { token = t; },
        });
        assert.match(token ?? '', /^[0-9a-f]{64}$/);
        assert.deepEqual(await readFile(path.join(daemon.incoming, done.name)), bytes);
        await assert.rejects(
            uploadFile(new Blob([bytes]), { name: 'http-no-key.bin', url: daemon.url('/'), WebSocket }),
            (e) => e.code === 'key_required');
    }));
});
