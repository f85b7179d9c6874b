// The daemon's WebSocket endpoint against RFC 6455 and docs/WEBSOCKET.md, case by case in
// the order of the Autobahn TestSuite's categories (1-7, 9), plus the opening handshake and
// the pings of an idle connection.
// Frames are built by hand on a plain TCP socket, so that anything a client could send, the
// daemon is sent. One daemon serves the whole file and must outlive all of it.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
    Op, RawWs, acceptFor, binary, close, closePayload, continuation, describeFrame, expectFail,
    frame, httpExchange, paddedJson, ping, pong, text, upgradeRequest,
} from './frames.mjs';
import { Streamd, explain } from './harness.mjs';
import { chunkHeaderSize, chunkMessage, randomId } from './messages.mjs';

// The largest text message (a folder's start_upload lists its files).
const maxText = 1024 * 1024;

let daemon;

before(async () => {
    daemon = await Streamd.start();
});

after(async () => {
    const status = await daemon.stop();
    // Whatever the cases sent, the daemon must have stayed up and stop cleanly.
    assert.deepEqual(status, { code: 0, signal: null }, daemon.log());
});

async function open(options) {
    assert.ok(daemon.running(), `the daemon is not running\n${daemon.log()}`);
    return RawWs.open(daemon.port, options);
}

// Runs `body` on a fresh connection, adding the daemon's log to a failure.
async function withWs(body, options) {
    const ws = await open(options);
    try {
        await body(ws);
    } catch (e) {
        throw explain(e, daemon.log(30));
    } finally {
        ws.destroy();
    }
}

// A text message the daemon must answer, and leave the connection open after: its type is
// unknown, which is a bad request.
async function expectBadRequest(ws) {
    const m = await ws.nextJson();
    assert.equal(m.type, 'error', `expected an error answer, got ${JSON.stringify(m)}`);
    assert.equal(m.code, 'bad_request');
    assert.equal(m.id, undefined, 'an error that concerns no upload or download carries no id');
}

// Proof that the connection still works: a ping is answered.
async function expectAlive(ws) {
    const payload = `alive ${Math.random()}`;
    await ws.write(ping(payload));
    await ws.expectPong(payload);
}

// An upload of `size` bytes in chunks of `chunkSize`; its id.
async function startUpload(ws, size, chunkSize = 65536) {
    const name = `conformance-${randomId()}.bin`;
    await ws.sendJson({ type: 'start_upload', name, size, chunk_size: chunkSize, digest: 'xxh32' });
    const ready = await ws.nextJson();
    assert.equal(ready.type, 'upload_ready', JSON.stringify(ready));
    return ready.id;
}

async function expectChunkReceived(ws, id, index) {
    const m = await ws.nextJson();
    assert.deepEqual(m, { type: 'chunk_received', id, index });
}

async function cancelUpload(ws, id) {
    await ws.sendJson({ type: 'cancel_upload', id });
    assert.deepEqual(await ws.nextJson(), { type: 'upload_canceled', id });
}

const isPong = (f) => f.opcode === Op.PONG;
const isAnswer = (f) => f.opcode === Op.TEXT;

describe('handshake', () => {
    it('answers 101 with the right Sec-WebSocket-Accept and sends hello first', async () => {
        await withWs(async (ws) => {
            const h = ws.response.headers;
            assert.equal(h.upgrade?.toLowerCase(), 'websocket');
            assert.match(h.connection ?? '', /\bupgrade\b/i);
            assert.equal(ws.hello.version, 1);
            assert.equal(ws.hello.auth, null, 'a loopback client needs no key');
            assert.ok(Number.isSafeInteger(ws.hello.max_chunk_size) && ws.hello.max_chunk_size >= 65536,
                `max_chunk_size ${ws.hello.max_chunk_size}`);
            assert.equal(ws.hello.max_chunk_size % 4096, 0);
            assert.ok(Number.isSafeInteger(ws.hello.max_in_flight) && ws.hello.max_in_flight > 0);
        });
    });

    it('negotiates no extension and no subprotocol', async () => {
        await withWs(async (ws) => {
            assert.equal(ws.response.headers['sec-websocket-extensions'], undefined);
            assert.equal(ws.response.headers['sec-websocket-protocol'], undefined);
        }, {
            extraHeaders: [
                'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits',
                'Sec-WebSocket-Protocol: chat, superchat',
            ],
        });
    });

    it('computes the accept value of RFC 6455 1.3', () => {
        assert.equal(acceptFor('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    });

    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    const refusals = [
        ['without Sec-WebSocket-Key', upgradeRequest({ key, omit: ['Sec-WebSocket-Key'] }), 400],
        ['with a key that is not 16 bytes of base64', upgradeRequest({ key: 'c2hvcnQ=' }), 400],
        ['without Connection: Upgrade', upgradeRequest({ key, omit: ['Connection'] }), 400],
        ['over HTTP/1.0', upgradeRequest({ key, httpVersion: '1.0' }), 400],
    ];
    for (const [what, request, status] of refusals) {
        it(`refuses an upgrade ${what} with ${status}`, async () => {
            const r = await httpExchange(daemon.port, request);
            assert.equal(r.status, status, `${r.status} ${r.body}`);
        });
    }

    // WEBSOCKET.md answers any incorrect upgrade with 400; HTTP.md, more precisely, answers
    // every method but GET and HEAD on its routes, /ws among them, with 405.
    it('refuses an upgrade by POST with 405 and an Allow field', async () => {
        const r = await httpExchange(daemon.port, upgradeRequest({ key, method: 'POST' }));
        assert.equal(r.status, 405, `${r.status} ${r.body}`);
        // RFC 9110 15.5.6: a 405 says what is allowed.
        assert.match(r.headers.allow ?? '', /\bGET\b/);
    });

    it('refuses another WebSocket version with 426 and Sec-WebSocket-Version: 13', async () => {
        const request = upgradeRequest({ key, omit: ['Sec-WebSocket-Version'], extraHeaders: ['Sec-WebSocket-Version: 8'] });
        const r = await httpExchange(daemon.port, request);
        assert.equal(r.status, 426, `${r.status} ${r.body}`);
        assert.equal(r.headers['sec-websocket-version'], '13');
    });

    it('refuses a Host that is a name with 403, as for any HTTP request', async () => {
        const r = await httpExchange(daemon.port, upgradeRequest({ key, host: 'streamd.example' }));
        assert.equal(r.status, 403, `${r.status} ${r.body}`);
    });
});

describe('1 framing', () => {
    // Each length at the edges of the 7-bit, 16-bit and 64-bit encodings.
    for (const size of [125, 126, 127, 65535, 65536]) {
        it(`answers a text message of ${size} bytes`, async () => {
            await withWs(async (ws) => {
                await ws.write(text(paddedJson(size)));
                await expectBadRequest(ws);
                await expectAlive(ws);
            });
        });
    }

    it('answers a text message sent byte by byte', async () => {
        await withWs(async (ws) => {
            await ws.writeBytewise(text(paddedJson(200)));
            await expectBadRequest(ws);
        });
    });

    it('closes with 1003 on an empty text message, which is not a JSON object', async () => {
        await withWs((ws) => ws.write(text('')).then(() => expectFail(ws, 1003)));
    });

    for (const body of ['[1,2]', '"hello"', '42', 'null', '{"type":', 'not json at all']) {
        it(`closes with 1003 on text that is not a JSON object: ${body}`, async () => {
            await withWs((ws) => ws.write(text(body)).then(() => expectFail(ws, 1003)));
        });
    }

    // Binary messages are chunks of an upload: one chunk of `size - 28` bytes, its whole file.
    for (const size of [29, 125, 126, 127, 65535, 65536]) {
        it(`acknowledges a binary message of ${size} bytes`, async () => {
            await withWs(async (ws) => {
                const data = Buffer.alloc(size - chunkHeaderSize, 0xA5);
                const id = await startUpload(ws, data.length);
                await ws.write(binary(chunkMessage(id, 0, data)));
                await expectChunkReceived(ws, id, 0);
                await cancelUpload(ws, id);
            });
        });
    }

    for (const size of [0, 1, 27]) {
        it(`closes with 1003 on a binary message of ${size} bytes, too short for a chunk header`, async () => {
            await withWs(async (ws) => {
                await startUpload(ws, 100);
                await ws.write(binary(Buffer.alloc(size, 0xA5)));
                await expectFail(ws, 1003);
            });
        });
    }

    it('answers a chunk for an id that is no upload of this connection with unknown_id, and goes on', async () => {
        await withWs(async (ws) => {
            const id = randomId();
            await ws.write(binary(chunkMessage(id, 0, Buffer.alloc(100))));
            const m = await ws.nextJson();
            assert.equal(m.type, 'error', JSON.stringify(m));
            assert.equal(m.code, 'unknown_id');
            assert.equal(m.id, id);
            await expectAlive(ws);
        });
    });

    for (const [what, length] of [['shorter', 999], ['longer', 1001]]) {
        it(`closes with 1003 on a chunk message whose data is ${what} than its chunk`, async () => {
            await withWs(async (ws) => {
                const id = await startUpload(ws, 1000);
                await ws.write(binary(chunkMessage(id, 0, Buffer.alloc(length))));
                await expectFail(ws, 1003);
            });
        });
    }

    it('closes with 1002 on a 64-bit length with its top bit set', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.BINARY, length: 2n ** 63n + 5n, lengthForm: 64 }));
            await expectFail(ws, 1002);
        });
    });

    // RFC 6455 5.2 says the fewest bytes MUST be used; WEBSOCKET.md does not say what the
    // daemon does with more, so either refusing (1002) or reading it is accepted here.
    for (const form of [16, 64]) {
        it(`either answers or closes with 1002 on a length in ${form} bits that fits in fewer`, async () => {
            await withWs(async (ws) => {
                await ws.write(text(paddedJson(40), { lengthForm: form }));
                const f = await ws.nextFrame('an answer or a close');
                assert.ok(f, 'the connection ended without a close frame');
                if (f.opcode === Op.CLOSE) {
                    assert.equal(f.payload.readUInt16BE(0), 1002, describeFrame(f));
                } else {
                    assert.equal(f.opcode, Op.TEXT, describeFrame(f));
                    const m = JSON.parse(f.payload.toString('utf8'));
                    assert.equal(m.code, 'bad_request');
                    await expectAlive(ws);
                }
            });
        });
    }
});

describe('2 ping and pong', () => {
    it('answers a ping without payload with an empty pong', async () => {
        await withWs(async (ws) => {
            await ws.write(ping());
            await ws.expectPong();
        });
    });

    it('answers a ping with 125 bytes of binary payload with the same bytes', async () => {
        await withWs(async (ws) => {
            const payload = Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 37 + 255) & 0xFF));
            await ws.write(ping(payload));
            await ws.expectPong(payload);
        });
    });

    it('closes with 1002 on a ping with 126 bytes', async () => {
        await withWs(async (ws) => {
            await ws.write(ping(Buffer.alloc(126, 0x2A)));
            await expectFail(ws, 1002);
        });
    });

    it('ignores an unsolicited pong', async () => {
        await withWs(async (ws) => {
            await ws.write(pong('unsolicited'));
            await ws.write(pong());
            // Nothing may answer the pongs: the next frame must be the pong for this ping.
            await ws.write(ping('after'));
            await ws.expectPong('after');
            await ws.write(text(paddedJson(30)));
            await expectBadRequest(ws);
        });
    });

    it('answers a ping written byte by byte', async () => {
        await withWs(async (ws) => {
            await ws.writeBytewise(ping('split into single bytes'));
            await ws.expectPong('split into single bytes');
        });
    });

    it('answers ten pings sent in one write, in order', async () => {
        await withWs(async (ws) => {
            const payloads = Array.from({ length: 10 }, (_, i) => `ping ${i}`);
            await ws.write(Buffer.concat(payloads.map((p) => ping(p))));
            for (const p of payloads) await ws.expectPong(p);
        });
    });
});

describe('3 reserved bits', () => {
    const cases = [
        ['RSV1 on a text frame', () => text(paddedJson(30), { rsv: 4 })],
        ['RSV2 on a text frame', () => text(paddedJson(30), { rsv: 2 })],
        ['RSV3 on a text frame', () => text(paddedJson(30), { rsv: 1 })],
        ['RSV1 and RSV3 on a binary frame', () => binary(Buffer.alloc(40), { rsv: 5 })],
        ['all three on a ping', () => ping('x', { rsv: 7 })],
        ['RSV2 on a close frame', () => close(1000, '', { rsv: 2 })],
    ];
    for (const [what, make] of cases) {
        it(`closes with 1002 on ${what}`, async () => {
            await withWs(async (ws) => {
                await ws.write(make());
                await expectFail(ws, 1002);
            });
        });
    }

    it('answers a valid message sent just before a frame with RSV2, then closes with 1002', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([text(paddedJson(30)), text(paddedJson(30), { rsv: 2 })]));
            const c = await expectFail(ws, 1002, { allowBefore: isAnswer });
            assert.equal(c.before.length, 1, 'the valid message was not answered');
        });
    });
});

describe('4 opcodes', () => {
    for (const opcode of [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF]) {
        it(`closes with 1002 on reserved opcode 0x${opcode.toString(16)}`, async () => {
            await withWs(async (ws) => {
                // The ping before it must still be answered: the frames are read in order.
                await ws.write(Buffer.concat([ping('first'), frame({ opcode, payload: 'reserved' })]));
                const c = await expectFail(ws, 1002, { allowBefore: isPong });
                assert.equal(c.before.length, 1, 'the ping before the reserved opcode was not answered');
            });
        });
    }
});

describe('5 fragmentation', () => {
    it('assembles a text message from fragments with pings between them', async () => {
        await withWs(async (ws) => {
            const json = Buffer.from(paddedJson(300));
            const parts = [json.subarray(0, 7), json.subarray(7, 150), json.subarray(150)];
            await ws.write(text(parts[0], { fin: false }));
            await ws.write(ping('between 1'));
            // The pong must come while the message is still open, not after it ends.
            await ws.expectPong('between 1');
            await ws.write(continuation(parts[1], { fin: false }));
            await ws.write(ping('between 2'));
            await ws.expectPong('between 2');
            await ws.write(continuation(parts[2]));
            await expectBadRequest(ws);
        });
    });

    it('assembles a text message from one-byte fragments', async () => {
        await withWs(async (ws) => {
            const json = Buffer.from(paddedJson(60));
            const frames = [...json].map((b, i) => i === 0
                ? text(Buffer.from([b]), { fin: false })
                : continuation(Buffer.from([b]), { fin: i === json.length - 1 }));
            await ws.write(Buffer.concat(frames));
            await expectBadRequest(ws);
        });
    });

    it('assembles a text message with empty fragments', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([
                text('', { fin: false }), continuation('', { fin: false }),
                continuation(paddedJson(40), { fin: false }), continuation(''),
            ]));
            await expectBadRequest(ws);
        });
    });

    it('answers a message fragmented across 1 MiB in total', async () => {
        await withWs(async (ws) => {
            const json = Buffer.from(paddedJson(maxText));
            await ws.write(Buffer.concat([
                text(json.subarray(0, 300000), { fin: false }),
                continuation(json.subarray(300000, 600000), { fin: false }),
                continuation(json.subarray(600000)),
            ]));
            await expectBadRequest(ws);
        });
    });

    it('assembles a chunk from binary fragments with a ping between them', async () => {
        await withWs(async (ws) => {
            const data = randomBytes(70000);
            const id = await startUpload(ws, data.length, 131072);
            const message = chunkMessage(id, 0, data);
            // The first fragment ends inside the chunk header.
            await ws.write(binary(message.subarray(0, 10), { fin: false }));
            await ws.write(ping('between'));
            await ws.expectPong('between');
            await ws.write(continuation(message.subarray(10, 40000), { fin: false }));
            await ws.write(continuation(message.subarray(40000)));
            await expectChunkReceived(ws, id, 0);
            await cancelUpload(ws, id);
        });
    });

    it('closes with 1002 on a text message while a binary message is fragmented', async () => {
        await withWs(async (ws) => {
            const id = await startUpload(ws, 1000);
            const message = chunkMessage(id, 0, randomBytes(1000));
            await ws.write(Buffer.concat([binary(message.subarray(0, 500), { fin: false }), text(paddedJson(30))]));
            await expectFail(ws, 1002);
        });
    });

    for (const fin of [true, false]) {
        it(`closes with 1002 on a continuation ${fin ? 'with' : 'without'} FIN and no message to continue`, async () => {
            await withWs(async (ws) => {
                await ws.write(continuation(paddedJson(30), { fin }));
                await expectFail(ws, 1002);
            });
        });
    }

    it('closes with 1002 on a continuation after a message that ended', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([text(paddedJson(30)), continuation(paddedJson(30))]));
            await expectFail(ws, 1002, { allowBefore: isAnswer });
        });
    });

    it('closes with 1002 on a new text message while one is fragmented', async () => {
        await withWs(async (ws) => {
            const json = paddedJson(30);
            await ws.write(Buffer.concat([text(json.slice(0, 10), { fin: false }), text(json)]));
            await expectFail(ws, 1002);
        });
    });

    it('closes with 1002 on a binary message while a text message is fragmented', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([text('{"ty', { fin: false }), binary(Buffer.alloc(40))]));
            await expectFail(ws, 1002);
        });
    });

    it('closes with 1002 on a fragmented ping', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([ping('one', { fin: false }), continuation('two')]));
            await expectFail(ws, 1002);
        });
    });

    it('closes with 1002 on a fragmented close', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.CLOSE, payload: closePayload(1000), fin: false }));
            await expectFail(ws, 1002);
        });
    });
});

describe('6 UTF-8', () => {
    const prefix = Buffer.from('{"type":"probe","s":"');
    const suffix = Buffer.from('"}');
    const withBytes = (bytes) => Buffer.concat([prefix, Buffer.from(bytes), suffix]);

    const valid = [
        ['Greek', 'κόσμε'],
        ['the highest code point', '\u{10FFFF}'],
        ['the edges of each length', '\u0080\u07FF\u0800\uFFFF\u{10000}'],
        ['an emoji', 'streamd \u{1F680}'],
        ['U+FEFF and U+FFFD', '\uFEFF\uFFFD'],
    ];
    for (const [what, s] of valid) {
        it(`answers a text message holding ${what}`, async () => {
            await withWs(async (ws) => {
                await ws.write(text(withBytes(Buffer.from(s, 'utf8'))));
                await expectBadRequest(ws);
            });
        });
    }

    const invalid = [
        ['an overlong "/" in two bytes', [0xC0, 0xAF]],
        ['an overlong "/" in three bytes', [0xE0, 0x80, 0xAF]],
        ['an overlong "/" in four bytes', [0xF0, 0x80, 0x80, 0xAF]],
        ['the overlong NUL', [0xC0, 0x80]],
        ['a high surrogate', [0xED, 0xA0, 0x80]],
        ['a low surrogate', [0xED, 0xBF, 0xBF]],
        ['a surrogate pair', [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80]],
        ['a code point above U+10FFFF', [0xF4, 0x90, 0x80, 0x80]],
        ['a five-byte sequence', [0xF8, 0x88, 0x80, 0x80, 0x80]],
        ['a lone continuation byte', [0x80]],
        ['0xFE', [0xFE]],
        ['0xFF', [0xFF]],
        ['a sequence cut short by the quote', [0xE2, 0x82]],
        ['a lead byte followed by ASCII', [0xCE, 0x41]],
    ];
    for (const [what, bytes] of invalid) {
        it(`closes with 1007 on ${what}`, async () => {
            await withWs(async (ws) => {
                await ws.write(text(withBytes(bytes)));
                await expectFail(ws, 1007);
            });
        });
    }

    it('closes with 1007 on a message whose last fragment ends inside a character', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([text(prefix, { fin: false }), continuation(Buffer.from([0xE2, 0x82]))]));
            await expectFail(ws, 1007);
        });
    });

    it('closes with 1007 as soon as a fragment holds invalid UTF-8, before the message ends', async () => {
        await withWs(async (ws) => {
            await ws.write(text(prefix, { fin: false }));
            await ws.write(continuation(Buffer.from([0xCE, 0xBA, 0xED, 0xA0, 0x80, 0x41]), { fin: false }));
            // The rest of the message is never sent: the close must come without it.
            await expectFail(ws, 1007);
        });
    });

    it('closes with 1007 when the next fragment cannot complete a character', async () => {
        await withWs(async (ws) => {
            // F4 may start a character; F4 90 would be above U+10FFFF.
            await ws.write(text(Buffer.concat([prefix, Buffer.from([0xF4])]), { fin: false }));
            await ws.write(continuation(Buffer.from([0x90, 0x80, 0x80]), { fin: false }));
            await expectFail(ws, 1007);
        });
    });

    it('waits for the rest of a character split between fragments', async () => {
        await withWs(async (ws) => {
            // U+1F680 is F0 9F 9A 80: cut after each of its first three bytes in turn.
            const rocket = Buffer.from('\u{1F680}', 'utf8');
            await ws.write(text(Buffer.concat([prefix, rocket.subarray(0, 1)]), { fin: false }));
            await expectAlive(ws);
            await ws.write(continuation(rocket.subarray(1, 2), { fin: false }));
            await expectAlive(ws);
            await ws.write(continuation(rocket.subarray(2, 3), { fin: false }));
            await expectAlive(ws);
            await ws.write(continuation(Buffer.concat([rocket.subarray(3), suffix])));
            await expectBadRequest(ws);
        });
    });

    it('answers valid text cut at every byte into its own fragment', async () => {
        await withWs(async (ws) => {
            const json = withBytes(Buffer.from('κόσμε \u{10348} \u20AC', 'utf8'));
            const frames = [...json].map((b, i) => i === 0
                ? text(Buffer.from([b]), { fin: false })
                : continuation(Buffer.from([b]), { fin: i === json.length - 1 }));
            await ws.write(Buffer.concat(frames));
            await expectBadRequest(ws);
        });
    });
});

describe('7 close handling', () => {
    it('echoes a close with 1000 and closes the TCP connection itself', async () => {
        await withWs(async (ws) => {
            await ws.write(close(1000));
            // No close of our own side: the daemon must end the connection (RFC 6455 7.1.1).
            const c = await ws.expectClose({ reply: false });
            assert.equal(c.code, 1000);
            assert.deepEqual(c.before, []);
            await ws.expectTcpEnd();
        });
    });

    it('echoes a close with a reason', async () => {
        await withWs(async (ws) => {
            await ws.write(close(1000, 'bye now'));
            const c = await ws.expectClose({ reply: false });
            assert.equal(c.code, 1000);
            await ws.expectTcpEnd();
        });
    });

    it('echoes a close with a reason of 123 bytes', async () => {
        await withWs(async (ws) => {
            await ws.write(close(1000, 'é'.repeat(61) + 'x'));
            const c = await ws.expectClose({ reply: false });
            assert.equal(c.code, 1000);
            await ws.expectTcpEnd();
        });
    });

    it('answers a close without payload with 1000', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.CLOSE }));
            const c = await ws.expectClose({ reply: false });
            assert.equal(c.code, 1000);
            await ws.expectTcpEnd();
        });
    });

    it('closes with 1002 on a close payload of one byte', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.CLOSE, payload: Buffer.from([0x03]) }));
            await expectFail(ws, 1002);
        });
    });

    it('closes with 1002 on a close payload of 126 bytes', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.CLOSE, payload: closePayload(1000, 'x'.repeat(124)) }));
            await expectFail(ws, 1002);
        });
    });

    // RFC 6455 7.4: 1000-1003, 1007-1011 and 3000-4999 may be sent. 1012-1014 are left out:
    // registered with IANA after the RFC, they are neither clearly valid nor invalid.
    for (const code of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999]) {
        it(`echoes close code ${code}`, async () => {
            await withWs(async (ws) => {
                await ws.write(close(code, 'reason'));
                const c = await ws.expectClose({ reply: false });
                assert.equal(c.code, code);
                await ws.expectTcpEnd();
            });
        });
    }

    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
        it(`closes with 1002 on close code ${code}`, async () => {
            await withWs(async (ws) => {
                await ws.write(close(code));
                await expectFail(ws, 1002);
            });
        });
    }

    it('closes with 1007 on a close reason that is not UTF-8', async () => {
        await withWs(async (ws) => {
            const payload = Buffer.concat([closePayload(1000), Buffer.from([0xCE, 0xBA, 0xED, 0xA0, 0x80])]);
            await ws.write(frame({ opcode: Op.CLOSE, payload }));
            await expectFail(ws, 1007);
        });
    });

    it('ignores frames after the close', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([close(1000), text(paddedJson(30)), ping('late')]));
            const c = await ws.expectClose({ reply: false });
            assert.equal(c.code, 1000);
            assert.deepEqual(c.before, []);
            // Neither an answer nor a pong, and a clean end rather than a reset.
            await ws.expectTcpEnd();
            assert.deepEqual(ws.frames.map(describeFrame), []);
        });
    });

    it('answers a message sent before the close, then echoes the close', async () => {
        await withWs(async (ws) => {
            await ws.write(Buffer.concat([text(paddedJson(30)), close(1000)]));
            await expectBadRequest(ws);
            const c = await ws.expectClose({ reply: false });
            assert.equal(c.code, 1000);
            await ws.expectTcpEnd();
        });
    });
});

describe('9 limits', () => {
    it('closes with 1009 on a text message of 1 MiB and one byte', async () => {
        await withWs(async (ws) => {
            await ws.write(text(paddedJson(maxText + 1)));
            await expectFail(ws, 1009);
        });
    });

    it('closes with 1009 on the header of a text frame over 1 MiB, without its payload', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.TEXT, length: maxText + 1 }));
            await expectFail(ws, 1009);
        });
    });

    it('closes with 1009 once fragments of a text message pass 1 MiB', async () => {
        await withWs(async (ws) => {
            const json = Buffer.from(paddedJson(maxText));
            await ws.write(text(json.subarray(0, 1_000_000), { fin: false }));
            await ws.write(ping('still open'));
            await ws.expectPong('still open');
            // Only the header: the sum is known to be too large before the payload comes.
            await ws.write(frame({ opcode: Op.CONTINUATION, length: maxText + 1 - 1_000_000 }));
            await expectFail(ws, 1009);
        });
    });

    it('closes with 1009 on the header of a binary frame over max_chunk_size + 28, without its payload', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.BINARY, length: ws.hello.max_chunk_size + 28 + 1 }));
            await expectFail(ws, 1009);
        });
    });

    it('closes with 1009 once fragments of a binary message pass max_chunk_size + 28', async () => {
        await withWs(async (ws) => {
            const chunkSize = ws.hello.max_chunk_size;
            const id = await startUpload(ws, chunkSize, chunkSize);
            await ws.write(binary(chunkMessage(id, 0, Buffer.alloc(100)), { fin: false }));
            // The header of a continuation that would take the message one byte past the limit.
            await ws.write(frame({ opcode: Op.CONTINUATION, length: chunkSize - 100 + 1 }));
            await expectFail(ws, 1009);
        });
    });

    it('closes with 1009 on the header of a binary frame of 2^62 bytes', async () => {
        await withWs(async (ws) => {
            await ws.write(frame({ opcode: Op.BINARY, length: 2n ** 62n }));
            await expectFail(ws, 1009);
        });
    });

    it('takes a binary message of exactly max_chunk_size + 28 bytes', async () => {
        await withWs(async (ws) => {
            const chunkSize = ws.hello.max_chunk_size;
            const data = randomBytes(chunkSize);
            const id = await startUpload(ws, chunkSize, chunkSize);
            await ws.write(binary(chunkMessage(id, 0, data)));
            await expectChunkReceived(ws, id, 0);
            await cancelUpload(ws, id);
        });
    });

    for (const [what, make] of [
        ['text frame', () => text(paddedJson(30), { masked: false })],
        ['ping', () => ping('x', { masked: false })],
        ['close frame', () => close(1000, '', { masked: false })],
    ]) {
        it(`closes with 1002 on an unmasked ${what}`, async () => {
            await withWs(async (ws) => {
                await ws.write(make());
                await expectFail(ws, 1002);
            });
        });
    }
});

describe('idle connections', { concurrency: true }, () => {
    // A daemon of its own with a short idle timeout: pinged after 1.5 s of silence, closed
    // after 3 s. The daemon looks at its connections once a second, so a shorter timeout
    // would leave it no second between the ping and the close.
    let idle;
    before(async () => {
        idle = await Streamd.start({ limits: 'idle_timeout = 3\n' });
    });

    async function nextJsonAnsweringPings(ws) {
        for (;;) {
            const f = await ws.nextFrame('a text message');
            assert.ok(f, 'the connection ended');
            if (f.opcode !== Op.PING) {
                assert.equal(f.opcode, Op.TEXT, describeFrame(f));
                return JSON.parse(f.payload.toString('utf8'));
            }
            await ws.write(pong(f.payload));
        }
    }
    after(async () => {
        const status = await idle.stop();
        assert.deepEqual(status, { code: 0, signal: null }, idle.log());
    });

    it('pings a silent connection, then closes it with 1001', async () => {
        const ws = await RawWs.open(idle.port);
        try {
            const f = await ws.nextFrame('a ping');
            assert.ok(f && f.opcode === Op.PING, `expected a ping, got ${f && describeFrame(f)}`);
            const c = await expectFail(ws, 1001);
            assert.equal(c.reason, 'idle');
        } catch (e) {
            throw explain(e, idle.log(30));
        } finally {
            ws.destroy();
        }
    });

    it('ends an upload that no chunk data comes for with stalled, keeping what arrived', async () => {
        const ws = await RawWs.open(idle.port);
        try {
            const id = randomId();
            const start = {
                type: 'start_upload', name: `stalled-${id}.bin`, size: 3 * 65536, chunk_size: 65536,
                digest: 'xxh32', id, mtime: 1_700_000_000_000,
            };
            await ws.sendJson(start);
            assert.equal((await ws.nextJson()).type, 'upload_ready');
            await ws.write(binary(chunkMessage(id, 1, randomBytes(65536))));
            await expectChunkReceived(ws, id, 1);
            // The connection stays alive on pongs; only the upload makes no progress.
            const m = await nextJsonAnsweringPings(ws);
            assert.equal(m.type, 'error', JSON.stringify(m));
            assert.equal(m.code, 'stalled');
            assert.equal(m.id, id);
            await ws.sendJson(start);
            const resumed = await nextJsonAnsweringPings(ws);
            assert.equal(resumed.type, 'upload_ready', JSON.stringify(resumed));
            assert.deepEqual(resumed.missing, [[0, 65536], [131072, 65536]]);
            await ws.sendJson({ type: 'cancel_upload', id });
            assert.deepEqual(await nextJsonAnsweringPings(ws), { type: 'upload_canceled', id });
        } catch (e) {
            throw explain(e, idle.log(30));
        } finally {
            ws.destroy();
        }
    });

    it('keeps a connection that answers its pings', async () => {
        const ws = await RawWs.open(idle.port);
        try {
            // The second ping comes at least 3 s after hello, the idle timeout: a daemon that
            // did not count the first pong would have closed the connection instead.
            for (let i = 0; i < 2; i++) {
                const f = await ws.nextFrame('a ping');
                assert.ok(f && f.opcode === Op.PING, `expected ping ${i + 1}, got ${f && describeFrame(f)}`);
                await ws.write(pong(f.payload));
            }
            await ws.write(text(paddedJson(30)));
            await expectBadRequest(ws);
        } catch (e) {
            throw explain(e, idle.log(30));
        } finally {
            ws.destroy();
        }
    });
});
