// A TCP relay between a web client and the daemon that reads the WebSocket traffic as it
// passes: which chunks the client sends on each connection and which the daemon
// acknowledges. It can cut a connection at a chosen message, as a dropped network would.
// Payloads are never gathered whole, so that hundreds of MiB pass at full speed.

import net from 'node:net';

// Frames of one direction, after the HTTP head that opens the connection. Only the first
// `capture(opcode, length)` bytes of each payload are kept, unmasked.
class FrameScanner {
    constructor(onFrame, capture) {
        this.onFrame = onFrame;
        this.capture = capture;
        this.head = Buffer.alloc(0);
        this.inHttpHead = true;
        this.header = Buffer.alloc(0);
        this.frame = null;
    }

    push(chunk) {
        let at = 0;
        while (at < chunk.length) {
            if (this.inHttpHead) {
                this.head = Buffer.concat([this.head, chunk.subarray(at)]);
                const end = this.head.indexOf('\r\n\r\n');
                if (end < 0) return;
                const rest = this.head.subarray(end + 4);
                this.inHttpHead = false;
                chunk = rest;
                at = 0;
                continue;
            }
            if (!this.frame) {
                const need = this.#headerSize();
                const take = Math.min(chunk.length - at, need - this.header.length);
                this.header = Buffer.concat([this.header, chunk.subarray(at, at + take)]);
                at += take;
                if (this.header.length === this.#headerSize()) this.#startFrame();
                continue;
            }
            const f = this.frame;
            const take = Math.min(chunk.length - at, f.remaining);
            if (f.captured.length < f.captureLimit) {
                const want = Math.min(take, f.captureLimit - f.captured.length);
                const piece = Buffer.from(chunk.subarray(at, at + want));
                if (f.mask) for (let i = 0; i < piece.length; i++) piece[i] ^= f.mask[(f.offset + i) & 3];
                f.captured = Buffer.concat([f.captured, piece]);
            }
            f.offset += take;
            f.remaining -= take;
            at += take;
            if (f.remaining === 0) this.#endFrame();
        }
    }

    // The bytes of the frame header in hand so far tell how many it has in all.
    #headerSize() {
        const h = this.header;
        if (h.length < 2) return 2;
        const len = h[1] & 0x7F;
        const mask = h[1] & 0x80 ? 4 : 0;
        return 2 + (len === 126 ? 2 : len === 127 ? 8 : 0) + mask;
    }

    #startFrame() {
        const h = this.header;
        let length = h[1] & 0x7F;
        let pos = 2;
        if (length === 126) {
            length = h.readUInt16BE(2);
            pos = 4;
        } else if (length === 127) {
            length = Number(h.readBigUInt64BE(2));
            pos = 10;
        }
        const mask = h[1] & 0x80 ? h.subarray(pos, pos + 4) : null;
        const opcode = h[0] & 0x0F;
        this.frame = {
            fin: (h[0] & 0x80) !== 0, opcode, length, mask, remaining: length, offset: 0,
            captured: Buffer.alloc(0), captureLimit: Math.min(length, this.capture(opcode, length)),
        };
        this.header = Buffer.alloc(0);
        if (length === 0) this.#endFrame();
    }

    #endFrame() {
        const f = this.frame;
        this.frame = null;
        this.onFrame(f);
    }
}

// What both relays share: a listener on a port of loopback, a connection to the daemon for
// each client, data passed on with back pressure, ends and closes passed across.
class TcpRelay {
    constructor(targetPort) {
        this.targetPort = targetPort;
        this.sockets = new Set();
        this.server = net.createServer((client) => {
            const daemon = net.connect(targetPort, '127.0.0.1');
            for (const s of [client, daemon]) {
                this.sockets.add(s);
                s.on('close', () => this.sockets.delete(s));
                s.on('error', () => {});
            }
            client.on('end', () => daemon.end());
            daemon.on('end', () => client.end());
            client.on('close', () => daemon.destroy());
            daemon.on('close', () => client.destroy());
            this.relay(client, daemon);
        });
    }

    listen() {
        return new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(0, '127.0.0.1', () => {
                this.port = this.server.address().port;
                resolve(this);
            });
        });
    }

    // Writes `chunk` to `to`, holding `from` back until `to` has taken it.
    static forward(from, to, chunk) {
        if (!to.write(chunk)) {
            from.pause();
            to.once('drain', () => from.resume());
        }
    }

    close() {
        for (const s of this.sockets) s.destroy();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

export class CuttingProxy extends TcpRelay {
    // `cutAfter(connection, message)` is asked about every text message from the daemon; true
    // ends both sides of that connection at once, before the message reaches the client.
    static start(targetPort, { cutAfter = () => false } = {}) {
        return new CuttingProxy(targetPort, cutAfter).listen();
    }

    constructor(targetPort, cutAfter) {
        super(targetPort);
        this.cutAfter = cutAfter;
        this.connections = [];
    }

    relay(client, daemon) {
        const conn = {
            index: this.connections.length,
            sentChunks: [], // indices of the binary messages from the client, in order
            sentDataBytes: 0, // chunk data from the client, headers left out
            acked: new Set(),
            cut: false,
        };
        this.connections.push(conn);
        const cut = () => {
            conn.cut = true;
            client.destroy();
            daemon.destroy();
        };
        for (const s of [client, daemon]) s.setNoDelay(true);

        let inBinary = false;
        const up = new FrameScanner((f) => {
            if (f.opcode === 0x2) {
                inBinary = true;
                conn.sentChunks.push(Number(f.captured.readBigUInt64BE(16)));
                conn.sentDataBytes += f.length - 28;
            } else if (f.opcode === 0x0 && inBinary) {
                conn.sentDataBytes += f.length;
            }
            if ((f.opcode === 0x2 || f.opcode === 0x0) && f.fin) inBinary = false;
        }, (opcode) => (opcode === 0x2 ? 28 : 0));

        let pendingText = null;
        const down = new FrameScanner((f) => {
            if (f.opcode !== 0x1 && !(f.opcode === 0x0 && pendingText)) return;
            pendingText = pendingText ? Buffer.concat([pendingText, f.captured]) : f.captured;
            if (!f.fin) return;
            const message = JSON.parse(pendingText.toString('utf8'));
            pendingText = null;
            if (message.type === 'chunk_received') conn.acked.add(message.index);
            if (!conn.cut && this.cutAfter(conn, message)) cut();
        }, (opcode, length) => (opcode === 0x1 || opcode === 0x0 ? length : 0));

        client.on('data', (chunk) => {
            up.push(chunk);
            if (!conn.cut) TcpRelay.forward(client, daemon, chunk);
        });
        daemon.on('data', (chunk) => {
            // The scanner decides whether this chunk may still reach the client. A cut in the
            // middle of it drops the rest, as a network that fails would.
            down.push(chunk);
            if (!conn.cut) TcpRelay.forward(daemon, client, chunk);
        });
    }
}

// A plain TCP relay for HTTP clients that counts the bytes each connection carries from the
// client, and cuts the first connection that reaches `cutAt` of them, both sides at once.
export class ByteCuttingRelay extends TcpRelay {
    static start(targetPort, { cutAt = Infinity } = {}) {
        return new ByteCuttingRelay(targetPort, cutAt).listen();
    }

    constructor(targetPort, cutAt) {
        super(targetPort);
        this.cutAt = cutAt;
        this.cuts = 0;
        this.upBytes = 0; // from clients, over every connection
    }

    relay(client, daemon) {
        let carried = 0;
        client.on('data', (chunk) => {
            if (this.cuts === 0 && carried + chunk.length >= this.cutAt) {
                this.cuts += 1;
                client.destroy();
                daemon.destroy();
                return;
            }
            carried += chunk.length;
            this.upBytes += chunk.length;
            TcpRelay.forward(client, daemon, chunk);
        });
        daemon.on('data', (chunk) => TcpRelay.forward(daemon, client, chunk));
    }
}
