// WebSocket frames by hand (RFC 6455 5.2), for what a correct client library will not send:
// any header bits, any length encoding, masked or not, split anywhere. Also reads the
// daemon's frames and the HTTP head before them, checking what a server must do.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

import { within } from './harness.mjs';

export const Op = Object.freeze({
    CONTINUATION: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xA,
});

export const waitMs = 10_000;
const acceptGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptFor(key) {
    return createHash('sha1').update(key + acceptGuid).digest('base64');
}

function toBuffer(payload) {
    if (payload === undefined) return Buffer.alloc(0);
    if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
    return Buffer.from(payload);
}

// One frame. `lengthForm` 7, 16 or 64 forces that encoding of the length (minimal when left
// out); `length` declares a length other than the payload's, for a header sent on its own.
export function frame({
    opcode, payload, fin = true, rsv = 0, masked = true, maskKey, lengthForm, length,
} = {}) {
    const data = toBuffer(payload);
    const declared = BigInt(length ?? data.length);
    const form = lengthForm ?? (declared < 126n ? 7 : declared <= 0xFFFFn ? 16 : 64);
    const head = [((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0F))];
    const maskBit = masked ? 0x80 : 0;
    let ext = Buffer.alloc(0);
    if (form === 7) {
        head.push(maskBit | Number(declared));
    } else if (form === 16) {
        head.push(maskBit | 126);
        ext = Buffer.alloc(2);
        ext.writeUInt16BE(Number(declared));
    } else {
        head.push(maskBit | 127);
        ext = Buffer.alloc(8);
        ext.writeBigUInt64BE(declared);
    }
    const key = masked ? Buffer.from(maskKey ?? randomBytes(4)) : Buffer.alloc(0);
    const body = masked ? maskBytes(data, key) : data;
    return Buffer.concat([Buffer.from(head), ext, key, body]);
}

export function maskBytes(data, key, offset = 0) {
    const out = Buffer.allocUnsafe(data.length);
    for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[(offset + i) & 3];
    return out;
}

export const text = (payload, more = {}) => frame({ opcode: Op.TEXT, payload, ...more });
export const binary = (payload, more = {}) => frame({ opcode: Op.BINARY, payload, ...more });
export const ping = (payload, more = {}) => frame({ opcode: Op.PING, payload, ...more });
export const pong = (payload, more = {}) => frame({ opcode: Op.PONG, payload, ...more });
export const continuation = (payload, more = {}) =>
    frame({ opcode: Op.CONTINUATION, payload, ...more });

export function closePayload(code, reason = '') {
    if (code === undefined) return Buffer.alloc(0);
    const r = toBuffer(reason);
    const b = Buffer.alloc(2 + r.length);
    b.writeUInt16BE(code);
    r.copy(b, 2);
    return b;
}
export const close = (code, reason, more = {}) =>
    frame({ opcode: Op.CLOSE, payload: closePayload(code, reason), ...more });

// A JSON object of exactly `size` bytes that the daemon must answer with an error: its type
// is one no version of the protocol uses.
export function paddedJson(size, type = 'probe') {
    const empty = JSON.stringify({ type, pad: '' });
    assert.ok(size >= empty.length, `a JSON object needs at least ${empty.length} bytes`);
    return JSON.stringify({ type, pad: 'x'.repeat(size - empty.length) });
}

// Frames from a byte stream, masked or not, as they complete.
export class FrameParser {
    constructor() {
        this.buffer = Buffer.alloc(0);
    }
    push(chunk) {
        this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
        const frames = [];
        for (;;) {
            const f = this.#next();
            if (!f) break;
            frames.push(f);
        }
        return frames;
    }
    #next() {
        const b = this.buffer;
        if (b.length < 2) return null;
        const masked = (b[1] & 0x80) !== 0;
        let length = b[1] & 0x7F;
        let pos = 2;
        if (length === 126) {
            if (b.length < 4) return null;
            length = b.readUInt16BE(2);
            pos = 4;
        } else if (length === 127) {
            if (b.length < 10) return null;
            length = Number(b.readBigUInt64BE(2));
            pos = 10;
        }
        const keyAt = pos;
        if (masked) pos += 4;
        if (b.length < pos + length) return null;
        let payload = b.subarray(pos, pos + length);
        if (masked) payload = maskBytes(payload, b.subarray(keyAt, keyAt + 4));
        this.buffer = b.subarray(pos + length);
        return {
            fin: (b[0] & 0x80) !== 0,
            rsv: (b[0] >> 4) & 7,
            opcode: b[0] & 0x0F,
            masked,
            payload: Buffer.from(payload),
            headerSize: pos,
        };
    }
}

export function describeFrame(f) {
    const names = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
    let what = names[f.opcode] ?? `opcode ${f.opcode}`;
    if (f.opcode === Op.TEXT) what += ` ${f.payload.toString('utf8').slice(0, 200)}`;
    else if (f.opcode === Op.CLOSE && f.payload.length >= 2)
        what += ` ${f.payload.readUInt16BE(0)} ${f.payload.subarray(2).toString('utf8')}`;
    else what += ` (${f.payload.length} bytes)`;
    return what;
}

// Reads an HTTP response head (and a body as long as Content-Length says) from a socket;
// the bytes after it stay in `rest`.
function readHead(socket, initial = Buffer.alloc(0)) {
    return new Promise((resolve, reject) => {
        let buffer = initial;
        const onData = (chunk) => {
            buffer = Buffer.concat([buffer, chunk]);
            tryParse();
        };
        const onEnd = () => {
            cleanup();
            reject(new Error(`connection closed before a whole response head: ${JSON.stringify(buffer.toString('latin1'))}`));
        };
        const onError = (e) => {
            cleanup();
            reject(e);
        };
        const cleanup = () => {
            socket.off('data', onData);
            socket.off('end', onEnd);
            socket.off('error', onError);
        };
        const tryParse = () => {
            const end = buffer.indexOf('\r\n\r\n');
            if (end < 0) return;
            const lines = buffer.subarray(0, end).toString('latin1').split('\r\n');
            const [version, status, ...reason] = lines[0].split(' ');
            const headers = {};
            for (const line of lines.slice(1)) {
                const colon = line.indexOf(':');
                const name = line.slice(0, colon).trim().toLowerCase();
                const value = line.slice(colon + 1).trim();
                headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
            }
            const bodyLength = status === '101' ? 0 : Number(headers['content-length'] ?? 0);
            if (buffer.length < end + 4 + bodyLength) return;
            cleanup();
            resolve({
                version,
                status: Number(status),
                reason: reason.join(' '),
                headers,
                body: buffer.subarray(end + 4, end + 4 + bodyLength).toString('utf8'),
                rest: buffer.subarray(end + 4 + bodyLength),
            });
        };
        socket.on('data', onData);
        socket.on('end', onEnd);
        socket.on('error', onError);
        tryParse();
    });
}

function connectSocket(port, host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
        const socket = net.connect({ port, host, allowHalfOpen: true });
        socket.setNoDelay(true);
        socket.once('connect', () => {
            socket.off('error', reject);
            resolve(socket);
        });
        socket.once('error', reject);
    });
}

// Sends `request` as it is and reads one response. For refusals: the socket is destroyed.
export async function httpExchange(port, request) {
    const socket = await connectSocket(port);
    try {
        socket.write(request);
        return await within(readHead(socket), waitMs, 'no HTTP response');
    } finally {
        socket.destroy();
    }
}

export function upgradeRequest({ key, path = '/ws', host = '127.0.0.1', method = 'GET',
    httpVersion = '1.1', extraHeaders = [], omit = [] } = {}) {
    const headers = [
        ['Host', host],
        ['Upgrade', 'websocket'],
        ['Connection', 'Upgrade'],
        ['Sec-WebSocket-Key', key],
        ['Sec-WebSocket-Version', '13'],
    ].filter(([name]) => !omit.includes(name));
    const lines = [`${method} ${path} HTTP/${httpVersion}`,
        ...headers.map(([n, v]) => `${n}: ${v}`), ...extraHeaders];
    return lines.join('\r\n') + '\r\n\r\n';
}

// A WebSocket connection driven frame by frame. Every frame from the daemon is checked for
// what RFC 6455 requires of a server (unmasked, no reserved bits), whatever the test is about.
export class RawWs {
    static async open(port, { extraHeaders = [], readHello = true } = {}) {
        const socket = await connectSocket(port);
        const key = randomBytes(16).toString('base64');
        socket.write(upgradeRequest({ key, extraHeaders }));
        let response;
        try {
            response = await within(readHead(socket), waitMs, 'no answer to the upgrade');
        } catch (e) {
            socket.destroy();
            throw e;
        }
        if (response.status !== 101) socket.destroy();
        assert.equal(response.status, 101, `upgrade refused: ${response.status} ${response.body}`);
        assert.equal(response.headers['sec-websocket-accept'], acceptFor(key));
        const ws = new RawWs(socket, response);
        ws.#take(response.rest);
        if (readHello) {
            ws.hello = await ws.nextJson();
            assert.equal(ws.hello.type, 'hello', 'the first message after 101 is hello');
        }
        return ws;
    }

    constructor(socket, response) {
        this.socket = socket;
        this.response = response;
        this.parser = new FrameParser();
        this.frames = [];
        this.waiters = [];
        this.ended = false; // the daemon's FIN arrived
        this.closed = false; // the socket is closed both ways
        this.error = null;
        socket.on('data', (chunk) => this.#take(chunk));
        socket.on('end', () => {
            this.ended = true;
            this.#wake();
        });
        socket.on('error', (e) => {
            this.error = e;
            this.#wake();
        });
        socket.on('close', () => {
            this.closed = true;
            this.#wake();
        });
        this.closedEvent = new Promise((resolve) => socket.once('close', resolve));
    }

    #take(chunk) {
        if (!chunk.length) return;
        this.frames.push(...this.parser.push(chunk));
        this.#wake();
    }
    #wake() {
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w();
    }

    write(bytes) {
        return new Promise((resolve) => {
            if (this.socket.destroyed) return resolve(false);
            // A daemon that has given up on the connection may reset it while the test still
            // writes; what it sent before that is what the test looks at.
            this.socket.write(bytes, (e) => resolve(!e));
        });
    }
    // Each byte in a write of its own, so that every split of a header and payload is seen.
    async writeBytewise(bytes) {
        for (const b of bytes) await this.write(Buffer.from([b]));
    }
    sendJson(object) {
        return this.write(text(JSON.stringify(object)));
    }

    // The next frame from the daemon, or null once the connection ended without one.
    async nextFrame(what = 'a frame') {
        const deadline = within(new Promise((resolve) => {
            const check = () => {
                if (this.frames.length) return resolve(this.frames.shift());
                if (this.ended || this.closed || this.error) return resolve(null);
                this.waiters.push(check);
            };
            check();
        }), waitMs, `no ${what} from the daemon`);
        const f = await deadline;
        if (f) {
            assert.equal(f.masked, false, 'a frame from the server is masked');
            assert.equal(f.rsv, 0, 'a frame from the server has reserved bits set');
        }
        return f;
    }

    async nextJson() {
        const f = await this.nextFrame('a text message');
        assert.ok(f, 'the connection ended where a text message was expected');
        assert.equal(f.opcode, Op.TEXT, `expected a text message, got ${describeFrame(f)}`);
        assert.equal(f.fin, true, 'the daemon fragments its text messages');
        return JSON.parse(f.payload.toString('utf8'));
    }

    async expectPong(payload) {
        const f = await this.nextFrame('a pong');
        assert.ok(f, 'the connection ended where a pong was expected');
        assert.equal(f.opcode, Op.PONG, `expected a pong, got ${describeFrame(f)}`);
        assert.deepEqual(f.payload, toBuffer(payload), 'the pong carries the ping\'s payload');
    }

    // The daemon's close frame, with whatever came before it. Then, as a client does, our own
    // close frame and the end of our side; `reply: false` leaves the connection as it is.
    async expectClose({ reply = true } = {}) {
        const before = [];
        for (;;) {
            const f = await this.nextFrame('close frame');
            assert.ok(f, `the connection ended without a close frame${this.error ? ` (${this.error.code})` : ''}; before it: ${before.map(describeFrame).join('; ') || 'nothing'}`);
            if (f.opcode === Op.CLOSE) {
                const code = f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined;
                const reason = f.payload.subarray(2).toString('utf8');
                if (reply) {
                    await this.write(close(code ?? 1000));
                    this.socket.end();
                }
                return { code, reason, before, payload: f.payload };
            }
            before.push(f);
        }
    }

    // The daemon closed its side of the TCP connection cleanly; also true when it did so
    // after we ended ours.
    async expectTcpEnd() {
        await within(new Promise((resolve) => {
            const check = () => (this.ended || this.closed || this.error ? resolve() : this.waiters.push(check));
            check();
        }), waitMs, 'the daemon did not close the TCP connection');
        assert.equal(this.error, null, `the connection broke instead of closing: ${this.error?.code}`);
        assert.ok(this.ended, 'the daemon did not send FIN');
    }

    destroy() {
        this.socket.destroy();
    }
}

// Asserts the daemon fails the connection with `code`, and that what came before the close
// frame is only what `allowBefore` accepts (pongs, answers to valid messages sent earlier).
export async function expectFail(ws, code, { allowBefore = () => false } = {}) {
    const c = await ws.expectClose();
    for (const f of c.before)
        assert.ok(allowBefore(f), `unexpected frame before the close: ${describeFrame(f)}`);
    assert.equal(c.code, code, `close code ${c.code} (${c.reason}), expected ${code}`);
    assert.ok(Buffer.from(c.reason, 'utf8').length <= 123);
    await ws.expectTcpEnd();
    return c;
}
