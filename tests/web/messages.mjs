// The web protocol at the message level (docs/WEBSOCKET.md), over the `ws` library: a
// connection whose messages a test awaits one by one, and the chunk layout both ways.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';

import WebSocket from 'ws';

import { within } from './harness.mjs';
// The client's own, checked against libxxhash in client/digests.test.mjs.
import { xxh32 } from '../../daemon/web/streamd.js';

export const waitMs = 20_000;
export const chunkHeaderSize = 28;

export const randomId = () => randomBytes(16).toString('hex');

// One binary message of the upload and download layout.
export function chunkMessage(id, index, data, digest = xxh32(data)) {
    const head = Buffer.alloc(chunkHeaderSize);
    Buffer.from(id, 'hex').copy(head, 0);
    head.writeBigUInt64BE(BigInt(index), 16);
    head.writeUInt32BE(digest >>> 0, 24);
    return Buffer.concat([head, data]);
}

export function parseChunk(message) {
    assert.ok(message.length >= chunkHeaderSize, `a chunk message of ${message.length} bytes`);
    return {
        id: message.subarray(0, 16).toString('hex'),
        index: Number(message.readBigUInt64BE(16)),
        digest: message.readUInt32BE(24),
        data: message.subarray(chunkHeaderSize),
    };
}

// The first 16 bytes of SHA-256 over the chunk digests, each as 4 big-endian bytes.
export function fileDigest(chunkDigests) {
    const all = Buffer.alloc(4 * chunkDigests.length);
    chunkDigests.forEach((d, i) => all.writeUInt32BE(d >>> 0, 4 * i));
    return createHash('sha256').update(all).digest().subarray(0, 16).toString('hex');
}

export function chunksOf(bytes, chunkSize) {
    const chunks = [];
    for (let offset = 0; offset < bytes.length; offset += chunkSize)
        chunks.push(bytes.subarray(offset, offset + chunkSize));
    return chunks;
}

// [offset, length] pairs as one sorted list of disjoint, merged ranges, so that two ways of
// writing the same bytes compare equal.
export function normalizeRanges(ranges) {
    const sorted = ranges.filter(([, len]) => len > 0).map(([o, l]) => [o, l]).sort((a, b) => a[0] - b[0]);
    const out = [];
    for (const [o, l] of sorted) {
        const last = out[out.length - 1];
        if (last && o <= last[0] + last[1]) last[1] = Math.max(last[1], o + l - last[0]);
        else out.push([o, l]);
    }
    return out;
}

export class MessageSocket {
    static async open(url, { hello = true, ...options } = {}) {
        const socket = new WebSocket(url, { perMessageDeflate: false, ...options });
        const s = new MessageSocket(socket);
        await within(new Promise((resolve, reject) => {
            socket.once('open', resolve);
            socket.once('error', reject);
            socket.once('unexpected-response', (_, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
        }), waitMs, 'the WebSocket did not open');
        if (hello) {
            s.hello = await s.expect('hello');
        }
        return s;
    }

    constructor(socket) {
        this.socket = socket;
        this.messages = [];
        this.waiters = [];
        this.closeInfo = null;
        socket.on('message', (data, isBinary) => {
            this.messages.push(isBinary ? Buffer.from(data) : JSON.parse(data.toString('utf8')));
            this.#wake();
        });
        socket.on('close', (code, reason) => {
            this.closeInfo = { code, reason: reason.toString('utf8') };
            this.#wake();
        });
        // An error is followed by 'close', which is what the tests look at.
        socket.on('error', () => {});
    }

    #wake() {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
    }

    send(object) {
        this.socket.send(JSON.stringify(object));
    }
    sendBinary(bytes) {
        this.socket.send(bytes, { binary: true });
    }

    // The next message: a parsed JSON object or a Buffer.
    next(what = 'a message') {
        return within(new Promise((resolve, reject) => {
            const check = () => {
                if (this.messages.length) return resolve(this.messages.shift());
                if (this.closeInfo)
                    return reject(new Error(`the connection closed (${this.closeInfo.code} ${this.closeInfo.reason}) where ${what} was expected`));
                this.waiters.push(check);
            };
            check();
        }), waitMs, `no ${what}`);
    }

    async expect(type, fields = {}) {
        const m = await this.next(`a ${type} message`);
        assert.ok(!Buffer.isBuffer(m), `expected ${type}, got a binary message of ${m.length} bytes`);
        assert.equal(m.type, type, `expected ${type}, got ${JSON.stringify(m)}`);
        for (const [k, v] of Object.entries(fields)) assert.deepEqual(m[k], v, `${type}.${k} in ${JSON.stringify(m)}`);
        return m;
    }

    async expectError(code, fields = {}) {
        const m = await this.expect('error');
        const codes = Array.isArray(code) ? code : [code];
        assert.ok(codes.includes(m.code), `error code ${m.code} (${m.message}), expected ${codes.join(' or ')}`);
        assert.equal(typeof m.message, 'string');
        for (const [k, v] of Object.entries(fields)) assert.deepEqual(m[k], v, `error.${k} in ${JSON.stringify(m)}`);
        return m;
    }

    async expectBinary() {
        const m = await this.next('a binary message');
        assert.ok(Buffer.isBuffer(m), `expected a binary message, got ${JSON.stringify(m)}`);
        return m;
    }

    closed() {
        return within(new Promise((resolve) => {
            const check = () => (this.closeInfo ? resolve(this.closeInfo) : this.waiters.push(check));
            check();
        }), waitMs, 'the connection did not close');
    }

    async close() {
        if (this.closeInfo) return this.closeInfo;
        this.socket.close(1000);
        return this.closed();
    }

    // Ends the TCP connection without a close frame, as a dropped network would.
    async kill() {
        this.socket.terminate();
        await this.closed();
    }
}

// Collects the acknowledgements of `indices`: every index must come back exactly once as
// chunk_received. Messages of other kinds fail the wait.
export async function expectReceived(socket, id, indices) {
    const left = new Set(indices);
    while (left.size) {
        const m = await socket.expect('chunk_received', { id });
        assert.ok(left.has(m.index), `chunk_received for index ${m.index}, expected one of ${[...left]}`);
        left.delete(m.index);
    }
}

// A whole upload over `socket`; returns upload_complete.
export async function upload(socket, name, bytes, { chunkSize = 65536, mtime, id } = {}) {
    const start = { type: 'start_upload', name, size: bytes.length, chunk_size: chunkSize, digest: 'xxh32' };
    if (mtime !== undefined) start.mtime = mtime;
    if (id !== undefined) start.id = id;
    socket.send(start);
    const ready = await socket.expect('upload_ready');
    const chunks = chunksOf(bytes, chunkSize);
    const digests = chunks.map((c) => xxh32(c));
    chunks.forEach((c, i) => socket.sendBinary(chunkMessage(ready.id, i, c, digests[i])));
    await expectReceived(socket, ready.id, chunks.map((_, i) => i));
    socket.send({ type: 'finish_upload', id: ready.id, digest: fileDigest(digests) });
    return socket.expect('upload_complete', { id: ready.id });
}
