// The daemon's side of docs/WEBSOCKET.md, in memory, behind a WebSocket-shaped class, so
// that the client's exchanges can be tested without a daemon, a network or npm packages.
// It keeps score of what the client sent, and can misbehave on request.
import { createHash, createHmac, randomBytes } from 'node:crypto';

import { xxh32 } from '../../../daemon/web/streamd.js';

const HEADER = 28;

export class FakeDaemon {
  constructor(options = {}) {
    this.key = options.key ?? null; // the key file's content; null: no auth
    this.maxChunkSize = options.maxChunkSize ?? 16 << 20;
    this.maxInFlight = options.maxInFlight ?? 8;
    this.files = new Map(); // name → Uint8Array
    this.uploads = new Map(); // id → {name, size, chunkSize, chunks: Map index → bytes, digests}
    this.connections = 0;
    this.received = new Map(); // "id/index" → times a chunk message arrived
    this.canceled = [];
    this.ended = [];
    this.maxUnacked = 0;
    // Misbehaviour: indices whose first `n` chunk messages are rejected or, for
    // downloads, sent damaged; a connection dropped after this many chunk messages.
    this.reject = options.reject ?? new Map();
    this.damage = options.damage ?? new Map();
    this.dropAfter = options.dropAfter ?? Infinity;
    this.binaryAsBuffer = options.binaryAsBuffer ?? false;
    this.refuse = options.refuse ?? null; // {code, message} answered to start_upload
    this.onChunk = options.onChunk ?? null; // called with each chunk message's count
    this.ackDelay = options.ackDelay ?? 1; // ms before a chunk is acknowledged
    this.drainDelay = options.drainDelay ?? 0; // ms a chunk message spends in bufferedAmount
    this.maxBuffered = 0;
    const daemon = this;
    this.WebSocket = class extends FakeSocket {
      constructor(url) {
        super(url, daemon);
      }
    };
  }

  // A partial upload as a previous connection would have left it.
  seedPartial(id, name, bytes, chunkSize, present) {
    const upload = { name, size: bytes.length, chunkSize, chunks: new Map(), digests: [] };
    for (const index of present) {
      const data = bytes.subarray(index * chunkSize, (index + 1) * chunkSize);
      upload.chunks.set(index, data);
      upload.digests[index] = xxh32(data);
    }
    this.uploads.set(id, upload);
  }

  open(socket) {
    this.connections++;
    socket.nonce = this.key ? randomBytes(32) : null;
    socket.authenticated = !this.key;
    socket.unacked = 0;
    socket.chunkMessages = 0;
    socket.downloads = new Map();
    socket.deliver({
      type: 'hello', version: 1,
      auth: this.key ? { method: 'hmac-sha256', nonce: socket.nonce.toString('hex') } : null,
      max_chunk_size: this.maxChunkSize, max_in_flight: this.maxInFlight,
    });
  }

  keyBytes() {
    return Buffer.from(this.key.replace(/[ \t\n\r\v\f]+$/, ''));
  }

  message(socket, data) {
    if (typeof data !== 'string') return this.chunk(socket, Buffer.from(data));
    const m = JSON.parse(data);
    if (!socket.authenticated) {
      const expected = createHmac('sha256', this.keyBytes())
        .update(Buffer.concat([Buffer.from('streamd auth v1'), socket.nonce])).digest('hex');
      if (m.type !== 'auth') return socket.drop(1008, 'authentication required');
      if (m.proof !== expected) return socket.drop(1008, 'wrong key');
      socket.authenticated = true;
      const token = createHmac('sha256', this.keyBytes()).update('streamd web token v1').digest('hex');
      return socket.deliver({ type: 'authenticated', token });
    }
    switch (m.type) {
      case 'start_upload': return this.start(socket, m);
      case 'finish_upload': return this.finish(socket, m);
      case 'cancel_upload':
        this.canceled.push(m.id);
        this.uploads.delete(m.id);
        return socket.deliver({ type: 'upload_canceled', id: m.id });
      case 'request_download': return this.download(socket, m);
      case 'request_chunk': return this.sendChunk(socket, m);
      case 'end_download':
        this.ended.push(m.id);
        socket.downloads.delete(m.id);
        return undefined;
      default:
        return socket.drop(1003, `unknown message ${m.type}`);
    }
  }

  start(socket, m) {
    if (this.refuse) return socket.deliver({ type: 'error', id: m.id, ...this.refuse });
    const id = m.id ?? randomBytes(16).toString('hex');
    let upload = this.uploads.get(id);
    if (!upload || upload.name !== m.name || upload.size !== m.size || upload.chunkSize !== m.chunk_size) {
      upload = { name: m.name, size: m.size, chunkSize: m.chunk_size, chunks: new Map(), digests: [] };
      this.uploads.set(id, upload);
    }
    upload.mtime = m.mtime;
    const missing = [];
    const count = Math.ceil(upload.size / upload.chunkSize);
    for (let index = 0; index < count; index++) {
      if (upload.chunks.has(index)) continue;
      const offset = index * upload.chunkSize;
      const length = Math.min(upload.chunkSize, upload.size - offset);
      const last = missing[missing.length - 1];
      if (last && last[0] + last[1] === offset) last[1] += length;
      else missing.push([offset, length]);
    }
    socket.deliver({ type: 'upload_ready', id, name: m.name, missing });
  }

  chunk(socket, bytes) {
    const id = bytes.subarray(0, 16).toString('hex');
    const index = Number(bytes.readBigUInt64BE(16));
    const digest = bytes.readUInt32BE(24);
    const data = new Uint8Array(bytes.subarray(HEADER));
    const key = `${id}/${index}`;
    this.received.set(key, (this.received.get(key) ?? 0) + 1);
    socket.unacked++;
    this.onChunk?.(this.received.size);
    this.maxUnacked = Math.max(this.maxUnacked, socket.unacked);
    if (++socket.chunkMessages > this.dropAfter) {
      this.dropAfter = Infinity;
      return socket.drop(1006, '');
    }
    // Acknowledged a little later, so that several chunks are in flight at once.
    setTimeout(() => {
      socket.unacked--;
      const upload = this.uploads.get(id);
      if (!upload) return socket.drop(1003, 'a binary message outside an upload');
      if ((this.reject.get(index) ?? 0) > 0) {
        this.reject.set(index, this.reject.get(index) - 1);
        return socket.deliver({ type: 'chunk_rejected', id, index, reason: 'digest mismatch' });
      }
      if (xxh32(data) !== digest) {
        return socket.deliver({ type: 'chunk_rejected', id, index, reason: 'digest mismatch' });
      }
      if (!upload.chunks.has(index)) {
        upload.chunks.set(index, data);
        upload.digests[index] = digest;
      }
      socket.deliver({ type: 'chunk_received', id, index });
    }, this.ackDelay);
  }

  finish(socket, m) {
    const upload = this.uploads.get(m.id);
    if (!upload) return socket.deliver({ type: 'error', id: m.id, code: 'unknown_id', message: 'no such upload' });
    const words = Buffer.alloc(upload.digests.length * 4);
    upload.digests.forEach((d, i) => words.writeUInt32BE(d, i * 4));
    const digest = createHash('sha256').update(words).digest('hex').slice(0, 32);
    if (m.digest !== digest) {
      return socket.deliver({ type: 'error', id: m.id, code: 'digest_mismatch', message: `${upload.name} arrived damaged` });
    }
    const bytes = new Uint8Array(upload.size);
    for (const [index, data] of upload.chunks) bytes.set(data, index * upload.chunkSize);
    this.files.set(upload.name, bytes);
    this.uploads.delete(m.id);
    socket.deliver({ type: 'upload_complete', id: m.id, name: upload.name, size: upload.size, digest });
  }

  download(socket, m) {
    const bytes = this.files.get(m.name);
    if (!bytes) return socket.deliver({ type: 'error', code: 'not_found', message: `${m.name} does not exist` });
    const id = randomBytes(16).toString('hex');
    const chunkSize = m.chunk_size ?? 4 << 20;
    socket.downloads.set(id, { bytes, chunkSize });
    socket.deliver({ type: 'download_ready', id, name: m.name, size: bytes.length, mtime: 0, chunk_size: chunkSize });
  }

  sendChunk(socket, m) {
    const download = socket.downloads.get(m.id);
    if (!download) return socket.deliver({ type: 'error', id: m.id, code: 'unknown_id', message: 'no such download' });
    const data = download.bytes.subarray(m.index * download.chunkSize, (m.index + 1) * download.chunkSize);
    const message = Buffer.alloc(HEADER + data.length);
    Buffer.from(m.id, 'hex').copy(message);
    message.writeBigUInt64BE(BigInt(m.index), 16);
    message.writeUInt32BE(xxh32(data), 24);
    message.set(data, HEADER);
    if ((this.damage.get(m.index) ?? 0) > 0) {
      this.damage.set(m.index, this.damage.get(m.index) - 1);
      message[HEADER] ^= 0xff;
    }
    socket.deliver(message);
  }
}

// Just enough of the WebSocket interface for the client: send, close, bufferedAmount,
// readyState, binaryType and the on* handlers, each event delivered on a later turn.
class FakeSocket {
  constructor(url, daemon) {
    this.url = url;
    this.daemon = daemon;
    this.readyState = 0;
    this.bufferedAmount = 0;
    this.binaryType = 'blob';
    this.outgoing = [];
    setImmediate(() => {
      this.readyState = 1;
      this.onopen?.({});
      daemon.open(this);
    });
  }

  send(data) {
    // Browsers and ws throw only before the open; later, a closed socket drops the data.
    if (this.readyState === 0) throw new Error('the socket is not open yet');
    if (this.readyState !== 1) return;
    // Copied now, as a real socket would, so that the client may reuse its buffer.
    const copy = typeof data === 'string' ? data : Buffer.from(data);
    // Messages leave one after the other, what was sent before a close included.
    this.outgoing.push(copy);
    this.bufferedAmount += copy.length;
    this.daemon.maxBuffered = Math.max(this.daemon.maxBuffered, this.bufferedAmount);
    if (!this.transmitting) this.transmit();
  }

  transmit() {
    this.transmitting = true;
    const data = this.outgoing[0];
    const delay = typeof data === 'string' ? 0 : this.daemon.drainDelay;
    const done = () => {
      this.outgoing.shift();
      this.bufferedAmount -= data.length;
      if (this.outgoing.length > 0) this.transmit();
      else this.transmitting = false;
      this.daemon.message(this, data);
    };
    if (delay > 0) setTimeout(done, delay);
    else setImmediate(done);
  }

  deliver(message) {
    if (this.readyState !== 1) return;
    let data;
    if (!(message instanceof Uint8Array)) {
      data = JSON.stringify(message);
    } else if (this.daemon.binaryAsBuffer) {
      // A Buffer at an odd offset inside a larger allocation, as Node's pools hand out.
      const pool = Buffer.alloc(message.length + 3);
      message.copy(pool, 3);
      data = pool.subarray(3);
    } else {
      data = message.buffer.slice(message.byteOffset, message.byteOffset + message.length);
    }
    setImmediate(() => { if (this.readyState === 1) this.onmessage?.({ data }); });
  }

  // The daemon's side ends the connection; 1006 stands for one that just vanished.
  drop(code, reason) {
    if (this.readyState > 1) return;
    this.readyState = 3;
    setImmediate(() => this.onclose?.({ code, reason }));
  }

  close(code = 1000, reason = '') {
    if (this.readyState > 1) return;
    this.readyState = 2;
    setImmediate(() => {
      this.readyState = 3;
      this.onclose?.({ code, reason });
    });
  }
}
