// The browser's side of streamd: uploads as resumable HTTP uploads (tus 1.0.0 under
// /uploads/, docs/HTTP.md), whose bodies the browser sends straight from the file, or over
// the WebSocket protocol (docs/WEBSOCKET.md), which also carries downloads and the key
// proof; digests in plain JavaScript, and the proof too where the page has no
// crypto.subtle (served over plain HTTP from another machine).

const KiB = 1024;
const MiB = 1024 * KiB;
const HEADER = 28;
const AUTH_LABEL = 'streamd auth v1';
// Codes after which trying again is pointless: the daemon found the client at fault.
const FATAL_CLOSE_CODES = new Set([1002, 1003, 1007, 1008, 1009, 1010]);
// A connection that neither receives nor sends anything for this long is taken as dead:
// a page cannot see the daemon's pings, and a network that vanished says nothing.
const STALL_MS = 60_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------- digests

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;
const P5 = 0x165667b1 | 0;

function bytesOf(data) {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('expected bytes, an ArrayBuffer or a string');
}

// The input's little-endian 32-bit words as a Uint32Array, without a copy when the
// platform and the alignment allow it (a received chunk's data starts at byte 28).
function wordsOf(bytes) {
  const count = bytes.length >>> 2;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
    return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  }
  const words = new Uint32Array(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(words.buffer).set(bytes.subarray(0, count * 4));
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) words[i] = view.getUint32(i * 4, true);
  }
  return words;
}

/** XXH32 of `data` (Uint8Array, ArrayBuffer, view or string), as an unsigned number. */
export function xxh32(data, seed = 0) {
  const bytes = bytesOf(data);
  const length = bytes.length;
  const w = wordsOf(bytes);
  let i = 0;
  let h;
  if (length >= 16) {
    let v1 = (seed + P1 + P2) | 0;
    let v2 = (seed + P2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - P1) | 0;
    const stripes = (length >>> 4) * 4;
    while (i < stripes) {
      v1 = (v1 + Math.imul(w[i++], P2)) | 0;
      v1 = Math.imul((v1 << 13) | (v1 >>> 19), P1);
      v2 = (v2 + Math.imul(w[i++], P2)) | 0;
      v2 = Math.imul((v2 << 13) | (v2 >>> 19), P1);
      v3 = (v3 + Math.imul(w[i++], P2)) | 0;
      v3 = Math.imul((v3 << 13) | (v3 >>> 19), P1);
      v4 = (v4 + Math.imul(w[i++], P2)) | 0;
      v4 = Math.imul((v4 << 13) | (v4 >>> 19), P1);
    }
    h = (((v1 << 1) | (v1 >>> 31)) + ((v2 << 7) | (v2 >>> 25)) +
         ((v3 << 12) | (v3 >>> 20)) + ((v4 << 18) | (v4 >>> 14))) | 0;
  } else {
    h = (seed + P5) | 0;
  }
  // The length is taken modulo 2^32, as the specification says.
  h = (h + (length % 0x100000000)) | 0;
  for (; i < w.length; i++) {
    h = (h + Math.imul(w[i], P3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), P4);
  }
  for (let b = i * 4; b < length; b++) {
    h = (h + Math.imul(bytes[b], P5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), P1);
  }
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function sha256Blocks(H, W, bytes, offset, end) {
  for (; offset < end; offset += 64) {
    for (let t = 0; t < 16; t++) {
      const o = offset + t * 4;
      W[t] = (bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3];
    }
    for (let t = 16; t < 64; t++) {
      const x = W[t - 15];
      const y = W[t - 2];
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
    }
    let a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K256[t] + W[t]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0;
      d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
    H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
  }
}

/** SHA-256 of `data`, as 32 bytes. */
export function sha256(data) {
  const bytes = bytesOf(data);
  const H = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const W = new Int32Array(64);
  const whole = bytes.length - (bytes.length % 64);
  sha256Blocks(H, W, bytes, 0, whole);
  // The rest, the 0x80 byte and the length in bits fill one or two final blocks.
  const rest = bytes.length - whole;
  const tail = new Uint8Array(rest < 56 ? 64 : 128);
  tail.set(bytes.subarray(whole));
  tail[rest] = 0x80;
  const view = new DataView(tail.buffer);
  const bits = bytes.length * 8;
  view.setUint32(tail.length - 8, Math.floor(bits / 0x100000000));
  view.setUint32(tail.length - 4, bits >>> 0);
  sha256Blocks(H, W, tail, 0, tail.length);
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setInt32(i * 4, H[i]);
  return out;
}

/** HMAC-SHA256 (RFC 2104) of `message` keyed with `key`, as 32 bytes. */
export function hmacSha256(key, message) {
  let k = bytesOf(key);
  if (k.length > 64) k = sha256(k);
  const msg = bytesOf(message);
  const inner = new Uint8Array(64 + msg.length);
  const outer = new Uint8Array(64 + 32);
  for (let i = 0; i < 64; i++) {
    const b = i < k.length ? k[i] : 0;
    inner[i] = b ^ 0x36;
    outer[i] = b ^ 0x5c;
  }
  inner.set(msg, 64);
  outer.set(sha256(inner), 64);
  return sha256(outer);
}

/**
 * The digest finish_upload carries: the first 16 bytes of SHA-256 over the chunks'
 * XXH32s, each as 4 big-endian bytes, in chunk order, as 32 hex digits.
 */
export function fileDigest(chunkDigests) {
  const bytes = new Uint8Array(chunkDigests.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < chunkDigests.length; i++) view.setUint32(i * 4, chunkDigests[i] >>> 0);
  return toHex(sha256(bytes).subarray(0, 16));
}

function toHex(bytes) {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}

function fromHex(text) {
  if (typeof text !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(text)) {
    throw new StreamdError('the daemon sent malformed hex', 'bad_message');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

// The key as the daemon reads its key file: the bytes, less trailing white space. A
// generated file's 64 hex digits are the key as written, not the 32 bytes they spell.
function keyBytes(key) {
  const bytes = bytesOf(key);
  let end = bytes.length;
  while (end > 0 && [0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c].includes(bytes[end - 1])) end--;
  return bytes.subarray(0, end);
}

function proofMessage(nonceHex) {
  const nonce = fromHex(nonceHex);
  const message = new Uint8Array(AUTH_LABEL.length + nonce.length);
  message.set(new TextEncoder().encode(AUTH_LABEL));
  message.set(nonce, AUTH_LABEL.length);
  return message;
}

/** The proof that answers a hello's nonce (hex) for `key` (the key file's content). */
export function authProof(key, nonceHex) {
  return toHex(hmacSha256(keyBytes(key), proofMessage(nonceHex)));
}

/** The same, by the browser's own crypto where the page has it (HTTPS, loopback). */
async function proveKey(key, nonceHex) {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return authProof(key, nonceHex);
  const hmac = { name: 'HMAC', hash: 'SHA-256' };
  const k = await subtle.importKey('raw', keyBytes(key), hmac, false, ['sign']);
  return toHex(new Uint8Array(await subtle.sign(hmac, k, proofMessage(nonceHex))));
}

// ---------------------------------------------------------------- errors

/** What a transfer rejects with: the daemon's one-line message and a code. */
export class StreamdError extends Error {
  constructor(message, code, retryable = false) {
    super(message);
    this.name = 'StreamdError';
    this.code = code;
    this.retryable = retryable;
  }
}

function abortError() {
  return new DOMException('the transfer was canceled', 'AbortError');
}

function closeError(event) {
  const code = event.code ?? 1006;
  const reason = typeof event.reason === 'string' && event.reason !== '' ? event.reason
    : code === 1006 ? 'the connection to the daemon was lost'
    : `the daemon closed the connection (${code})`;
  return new StreamdError(reason, code, !FATAL_CLOSE_CODES.has(code));
}

// ---------------------------------------------------------------- connection

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = () => { clearTimeout(timer); reject(abortError()); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function defaultUrl() {
  if (typeof location === 'undefined') throw new TypeError('options.url is needed here');
  return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
}

function randomId() {
  const bytes = new Uint8Array(16);
  if (globalThis.crypto?.getRandomValues) {
    globalThis.crypto.getRandomValues(bytes);
  } else {
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  }
  return toHex(bytes);
}

// One WebSocket as a queue of messages: `next()` gives text messages parsed and binary
// ones as Uint8Array, in arrival order, and rejects once the connection has failed.
class Connection {
  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.waiter = null;
    this.error = null;
    this.lastActivity = Date.now();
    // Decoding a Blob is asynchronous; the chain keeps messages and the close in order.
    this.chain = Promise.resolve();
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event) => {
      this.lastActivity = Date.now();
      this.chain = this.chain.then(() => decode(event.data)).then(
        (message) => this.push(message),
        (error) => this.fail(error));
    };
    ws.onclose = (event) => {
      const error = closeError(event);
      this.chain = this.chain.then(() => this.fail(error));
    };
    // Without a listener, an 'error' from Node's ws would be thrown; the close follows.
    ws.onerror = () => {};
  }

  push(message) {
    if (this.error) return;
    if (this.waiter) {
      const { resolve } = this.waiter;
      this.waiter = null;
      resolve(message);
    } else {
      this.queue.push(message);
    }
  }

  next() {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => { this.waiter = { resolve, reject }; });
  }

  // Ends the connection with `error` as the reason every waiter sees; the first wins.
  fail(error) {
    if (this.error) return;
    this.error = error;
    this.queue.length = 0;
    if (this.waiter) {
      const { reject } = this.waiter;
      this.waiter = null;
      reject(error);
    }
    this.close();
  }

  send(message) {
    if (this.ws.readyState !== 1) return; // the close event tells the rest
    this.lastActivity = Date.now();
    this.ws.send(typeof message === 'string' || message instanceof Uint8Array
      ? message : JSON.stringify(message));
  }

  close() {
    this.error ??= new StreamdError('the connection is closed', 1000);
    if (this.ws.readyState <= 1) {
      try { this.ws.close(1000); } catch { /* already closing */ }
    }
  }
}

async function decode(data) {
  if (typeof data === 'string') {
    let message;
    try { message = JSON.parse(data); } catch { message = null; }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw new StreamdError('the daemon sent a text message that is not a JSON object', 'bad_message');
    }
    return message;
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (typeof Blob !== 'undefined' && data instanceof Blob) return new Uint8Array(await data.arrayBuffer());
  throw new StreamdError('the daemon sent a message of an unknown kind', 'bad_message');
}

function daemonError(message) {
  return new StreamdError(String(message.message ?? 'the daemon refused the request'),
                          String(message.code ?? 'error'));
}

// The next text message, skipping binary ones; an `error` message rejects.
async function nextText(conn) {
  for (;;) {
    const message = await conn.next();
    if (message instanceof Uint8Array) continue;
    if (message.type === 'error') throw daemonError(message);
    return message;
  }
}

// Opens a connection and gets it past hello and, when the daemon asks, the key proof.
async function connect(options) {
  const { signal } = options;
  if (signal?.aborted) throw abortError();
  const WS = options.WebSocket ?? globalThis.WebSocket;
  if (typeof WS !== 'function') throw new TypeError('no WebSocket here; pass options.WebSocket');
  const conn = new Connection(new WS(options.url ?? defaultUrl()));
  const onAbort = () => conn.fail(abortError());
  signal?.addEventListener('abort', onAbort, { once: true });
  conn.detach = () => signal?.removeEventListener('abort', onAbort);
  try {
    const hello = await nextText(conn);
    if (hello.type !== 'hello') throw new StreamdError('the daemon did not say hello', 'bad_message');
    conn.hello = hello;
    conn.token = null;
    if (hello.auth) {
      if (options.key == null || options.key === '') {
        throw new StreamdError('this daemon asks for its key', 'key_required');
      }
      conn.send({ type: 'auth', proof: await proveKey(options.key, hello.auth.nonce) });
      const answer = await nextText(conn);
      if (answer.type !== 'authenticated') {
        throw new StreamdError('the daemon did not accept the key', 'bad_message');
      }
      conn.token = answer.token;
      options.onAuthenticated?.(answer.token);
    }
    return conn;
  } catch (error) {
    conn.detach();
    conn.fail(error);
    throw error;
  }
}

/**
 * Connects, proves the key when the daemon asks for it, and closes again. Resolves to
 * {auth, token}: auth says whether the daemon asked for the key, token is the value of
 * the streamd_token cookie that opens the HTTP side to this client (null without auth).
 */
export async function authenticate(options = {}) {
  const conn = await connect(options);
  conn.detach();
  conn.close();
  return { auth: Boolean(conn.hello.auth), token: conn.token };
}

// ---------------------------------------------------------------- progress

// Reports {progress, speed_mbps, bytes, total, eta_seconds} at most every 100 ms, the
// speed over about the last second, and 100% exactly once.
class Meter {
  constructor(total, callback) {
    this.total = total;
    this.callback = callback;
    this.samples = [];
    this.lastEmit = -Infinity;
    this.finished = false;
  }

  update(bytes, final = false) {
    if (!this.callback || this.finished) return;
    const now = Date.now();
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[1][0] >= 1000) this.samples.shift();
    // 100% waits for the daemon's word that the transfer is complete.
    if (!final && (bytes >= this.total || now - this.lastEmit < 100)) return;
    this.lastEmit = now;
    this.finished = final;
    const [t0, b0] = this.samples[0];
    const speed = now > t0 ? Math.max(0, (bytes - b0) / ((now - t0) / 1000)) : 0;
    this.callback({
      progress: final || this.total === 0 ? 100 : (bytes / this.total) * 100,
      speed_mbps: (speed * 8) / 1e6,
      bytes,
      total: this.total,
      eta_seconds: final ? 0 : speed > 0 ? (this.total - bytes) / speed : null,
    });
  }

  finish() {
    this.update(this.total, true);
  }
}

// ---------------------------------------------------------------- upload

function chunkSizeFor(requested, hello) {
  const max = Number(hello.max_chunk_size) || 16 * MiB;
  let size = Math.min(Math.max(Number(requested) || 4 * MiB, 64 * KiB), max);
  size -= size % 4096;
  return Math.max(size, 64 * KiB);
}

function chunkMessage(idBytes, index, digest, data) {
  const message = new Uint8Array(HEADER + data.length);
  message.set(idBytes);
  const view = new DataView(message.buffer);
  view.setUint32(16, Math.floor(index / 0x100000000));
  view.setUint32(20, index >>> 0);
  view.setUint32(24, digest);
  message.set(data, HEADER);
  return message;
}

/**
 * Uploads `file` (a File or Blob) and resolves to {id, name, size, digest} once the
 * daemon has it in place; `name` is the name stored. Options:
 *   transport   'http' (default): resumable HTTP uploads, several parts at once, resumed
 *               after a lost connection and, from the same browser, after a reload;
 *               'websocket': the WebSocket protocol (implied by a ws:// or wss:// url)
 *   name        the name to store under (default: file.name)
 *   url         http(s)://HOST:PORT, or ws(s)://HOST/ws (default: this page's host)
 *   key         the daemon's key file content, needed only where the daemon asks for it
 *   retries     tries after a lost connection, 0.5 s apart and doubling (default 5)
 *   signal      an AbortSignal: cancels the upload at the daemon, rejects with AbortError
 *   onProgress(p), onAuthenticated(token)
 * Over HTTP also:
 *   parts       parts sent at once, joined once all are in (default 1)
 * Over the WebSocket also:
 *   chunkSize   bytes per chunk (default 4 MiB, within what hello allows)
 *   inFlight    chunks sent and not yet acknowledged (default 8)
 *   resumeId    the id of an earlier upload of this file, to send only what it misses
 *   digest      'xxh32' (default) or 'none'
 *   onReady({id, missing}), WebSocket
 * Rejects with a StreamdError: the daemon's message, and its code (a string from an
 * `error` message, the close code as a number, or the HTTP status as a number).
 */
export async function uploadFile(file, options = {}) {
  const transport = options.transport ?? (/^wss?:/.test(options.url ?? '') ? 'websocket' : 'http');
  if (transport === 'http') return uploadOverHttp(file, options);
  if (transport !== 'websocket') throw new TypeError(`no transport called ${transport}`);
  return uploadOverWebSocket(file, options);
}

/**
 * Uploads a folder as one transfer over the WebSocket, stored as NAME/ beside the received
 * files once every byte has arrived and been checked; resolves as uploadFile does. `entries`
 * lists what it holds: {path, file} for each file and {path} for a folder that is to arrive
 * even when empty, paths relative to the folder with '/' between names. Options as for
 * uploadFile over the WebSocket, `name` (the folder's) required.
 */
export async function uploadFolder(entries, options = {}) {
  if (typeof options.name !== 'string' || options.name === '') throw new TypeError('the folder needs a name');
  const files = entries.filter((e) => e.file);
  const tree = {
    files: files.map((e) => (Number.isFinite(e.file.lastModified)
      ? [e.path, e.file.size, e.file.lastModified] : [e.path, e.file.size])),
    folders: entries.filter((e) => !e.file).map((e) => e.path),
  };
  // The folder's data is its files one after another; a Blob of them slices across their
  // boundaries without copying them first.
  const data = new Blob(files.map((e) => e.file));
  return uploadOverWebSocket(data, { ...options, tree });
}

async function uploadOverWebSocket(file, options) {
  const name = options.name ?? file.name;
  if (typeof name !== 'string' || name === '') throw new TypeError('the upload needs a name');
  const job = {
    file,
    name,
    size: file.size,
    options,
    id: options.resumeId || randomId(),
    useDigest: (options.digest ?? 'xxh32') !== 'none',
    chunkSize: 0,
    digests: [],
    meter: new Meter(file.size, options.onProgress),
    started: false,
    progressed: false,
  };
  const retries = options.retries ?? 5;
  let failures = 0;
  for (;;) {
    try {
      return await uploadOnce(job);
    } catch (error) {
      if (options.signal?.aborted || error?.name === 'AbortError') {
        if (job.started) cancelDetached(job);
        throw error?.name === 'AbortError' ? error : abortError();
      }
      if (!(error instanceof StreamdError) || !error.retryable) throw error;
      // Only failures in a row count: a long upload may outlive many short outages.
      if (job.progressed) failures = 0;
      job.progressed = false;
      if (failures >= retries) throw error;
      try {
        await sleep(500 * 2 ** failures, options.signal);
      } catch (abort) {
        if (job.started) cancelDetached(job);
        throw abort;
      }
      failures++;
    }
  }
}

// A cancel for an upload whose connection is gone, so that its partial file does not
// wait for partial_ttl; nobody waits for the outcome.
function cancelDetached(job) {
  if (job.cancelSent) return;
  job.cancelSent = true;
  connect({ ...job.options, signal: undefined, onAuthenticated: undefined })
    .then((conn) => {
      conn.send({ type: 'cancel_upload', id: job.id });
      conn.close();
    })
    .catch(() => {});
}

async function uploadOnce(job) {
  const { file, options } = job;
  const conn = await connect(options);
  const onAbort = () => {
    if (job.started && !conn.error) {
      try { conn.send({ type: 'cancel_upload', id: job.id }); job.cancelSent = true; } catch { /* closed */ }
    }
    conn.fail(abortError());
  };
  conn.detach();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  let ticker = null;
  try {
    if (!job.chunkSize) job.chunkSize = chunkSizeFor(options.chunkSize, conn.hello);
    const chunkSize = job.chunkSize;
    const count = Math.ceil(job.size / chunkSize);
    const lengthOf = (index) => Math.min(chunkSize, job.size - index * chunkSize);
    const start = {
      type: 'start_upload', name: job.name, size: job.size, chunk_size: chunkSize,
      digest: job.useDigest ? 'xxh32' : 'none', id: job.id,
    };
    if (Number.isFinite(file.lastModified)) start.mtime = file.lastModified;
    if (options.tree) Object.assign(start, options.tree);
    conn.send(start);
    job.started = true;

    const ready = await nextText(conn);
    if (ready.type !== 'upload_ready') {
      throw new StreamdError(`the daemon answered ${ready.type} to start_upload`, 'bad_message');
    }
    job.id = ready.id ?? job.id;
    const idBytes = fromHex(job.id);
    const missing = Array.isArray(ready.missing) ? ready.missing : [];
    options.onReady?.({ id: job.id, missing });

    const wanted = new Set();
    for (const [offset, length] of missing) {
      for (let at = offset; at < offset + length && at < job.size; at += chunkSize) {
        wanted.add(Math.floor(at / chunkSize));
      }
    }
    const queue = [...wanted].sort((a, b) => a - b);
    let acked = job.size;
    for (const index of queue) acked -= lengthOf(index);
    let pending = queue.length;
    const inFlight = new Map(); // index → bytes of its message not yet acknowledged
    let unackedBytes = 0;
    const rejections = new Map();
    const limit = Math.max(1, Math.min(options.inFlight ?? 8, Number(conn.hello.max_in_flight) || Infinity));
    const highWater = 2 * (chunkSize + HEADER);

    // The sender sleeps until an acknowledgement or a rejection frees a place.
    let wakers = [];
    const wakeUp = () => { const w = wakers; wakers = []; for (const resolve of w) resolve(); };
    const woken = () => new Promise((resolve) => wakers.push(resolve));
    let best = 0;
    const report = () => {
      const buffered = conn.ws.bufferedAmount ?? 0;
      // Bytes that left the page count before their acknowledgement, for a smooth bar.
      best = Math.max(best, Math.min(job.size, acked + Math.max(0, unackedBytes - buffered)));
      job.meter.update(best);
    };
    let lastBuffered = -1;
    ticker = setInterval(() => {
      report();
      const buffered = conn.ws.bufferedAmount ?? 0;
      if (buffered !== lastBuffered) conn.lastActivity = Date.now();
      lastBuffered = buffered;
      if (pending > 0 && Date.now() - conn.lastActivity > STALL_MS) {
        conn.fail(new StreamdError('the daemon stopped answering', 'stalled', true));
      }
    }, 100);
    report();

    const sender = async () => {
      for (;;) {
        while (!conn.error && (queue.length === 0 || inFlight.size >= limit)) {
          if (pending === 0) return;
          await woken();
        }
        if (conn.error) return;
        const index = queue.shift();
        inFlight.set(index, 0);
        const at = index * chunkSize;
        const data = new Uint8Array(await file.slice(at, at + lengthOf(index)).arrayBuffer());
        const digest = job.useDigest ? xxh32(data) : 0;
        job.digests[index] = digest;
        const message = chunkMessage(idBytes, index, digest, data);
        // No event says that bufferedAmount went down: poll, but also look again at each
        // acknowledgement, because a hidden tab's timers fire only about once a second.
        while (!conn.error && conn.ws.bufferedAmount > highWater) await Promise.race([sleep(4), woken()]);
        if (conn.error || !inFlight.has(index)) return;
        conn.send(message);
        inFlight.set(index, message.length);
        unackedBytes += message.length;
      }
    };
    const sending = sender().catch((error) => conn.fail(error));

    while (pending > 0) {
      const message = await nextText(conn);
      if (message.id !== undefined && message.id !== job.id) continue;
      const index = message.index;
      if (message.type === 'chunk_received' && inFlight.has(index)) {
        unackedBytes -= inFlight.get(index);
        inFlight.delete(index);
        acked += lengthOf(index);
        pending--;
        job.progressed = true;
        report();
        wakeUp();
      } else if (message.type === 'chunk_rejected' && inFlight.has(index)) {
        unackedBytes -= inFlight.get(index);
        inFlight.delete(index);
        const times = (rejections.get(index) ?? 0) + 1;
        rejections.set(index, times);
        if (times > 3) {
          throw new StreamdError(`chunk ${index} was rejected: ${message.reason ?? 'no reason'}`,
                                 'chunk_rejected');
        }
        queue.unshift(index);
        wakeUp();
      }
    }
    wakeUp();
    await sending;
    clearInterval(ticker);
    ticker = null;

    let digest = '';
    if (job.useDigest) {
      // Chunks that an earlier connection delivered may have no digest here yet.
      for (let index = 0; index < count; index++) {
        if (job.digests[index] !== undefined) continue;
        const at = index * chunkSize;
        job.digests[index] = xxh32(new Uint8Array(await file.slice(at, at + lengthOf(index)).arrayBuffer()));
        if (conn.error) throw conn.error;
      }
      digest = fileDigest(job.digests.slice(0, count));
    }
    conn.send({ type: 'finish_upload', id: job.id, digest });
    for (;;) {
      const message = await nextText(conn);
      if (message.type === 'upload_complete' && (message.id ?? job.id) === job.id) {
        job.meter.finish();
        return { id: job.id, name: message.name ?? job.name, size: message.size ?? job.size,
                 digest: message.digest ?? digest };
      }
    }
  } catch (error) {
    conn.fail(error);
    throw conn.error === error ? error : conn.error;
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', onAbort);
    conn.close();
  }
}

// ---------------------------------------------------------------- upload over HTTP

// Parts of a file sent at once, each its own request and connection. One: Chromium sends
// a whole File as a request body straight from the file, and any slice of it through a
// slower pipe; and parts cost a copy to join them ("Browser uploads" in
// docs/BENCHMARKS.md).
const HTTP_PARTS = 1;
// Parts smaller than this are not worth a request of their own.
const MIN_PART = 16 * MiB;
const TUS_VERSION = '1.0.0';
const RESUME_PREFIX = 'streamd-upload ';

function httpBase(options) {
  if (options.url) {
    const url = new URL(options.url);
    if (url.protocol === 'ws:') url.protocol = 'http:';
    if (url.protocol === 'wss:') url.protocol = 'https:';
    return url.origin;
  }
  if (typeof location === 'undefined') throw new TypeError('options.url is needed here');
  return location.origin;
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

// One request. Resolves to {status, header(name), text}; a lost connection rejects with a
// StreamdError that may be retried. `onSent(bytes)` hears how much of the body is out.
function httpRequest(method, url, { headers = {}, body = null, onSent, signal } = {}) {
  if (signal?.aborted) return Promise.reject(abortError());
  const lost = () => new StreamdError('the connection to the daemon was lost', 'network', true);
  if (typeof XMLHttpRequest === 'undefined') {
    // Node: fetch, which tells nothing of the body's progress.
    return fetch(url, { method, headers, body, signal }).then(
      async (r) => ({ status: r.status, header: (n) => r.headers.get(n), text: await r.text() }),
      (error) => { throw signal?.aborted ? abortError() : Object.assign(lost(), { cause: error }); });
  }
  // XMLHttpRequest, unlike fetch, reports how much of the body went out.
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    if (onSent) xhr.upload.onprogress = (event) => onSent(event.loaded);
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (settle) => { signal?.removeEventListener('abort', onAbort); settle(); };
    xhr.onload = () => done(() => resolve({
      status: xhr.status, header: (n) => xhr.getResponseHeader(n), text: xhr.responseText,
    }));
    xhr.onerror = () => done(() => reject(lost()));
    xhr.onabort = () => done(() => reject(abortError()));
    xhr.send(body);
  });
}

function httpError(response, what) {
  const why = response.text.trim() || `HTTP ${response.status}`;
  // 423: another request still holds the upload, which the daemon is ending.
  const retryable = response.status === 423 || response.status >= 500 && response.status !== 507;
  return new StreamdError(`${what}: ${why}`, response.status, retryable);
}

// Where an upload in progress is remembered, so that the same file picked again after a
// reload goes on where it stopped; nothing where the page may not store anything.
function resumeStore() {
  try { return globalThis.localStorage ?? null; } catch { return null; }
}

async function uploadOverHttp(file, options) {
  const name = options.name ?? file.name;
  if (typeof name !== 'string' || name === '') throw new TypeError('the upload needs a name');
  const size = file.size;
  const base = httpBase(options);
  const uploads = `${base}/uploads/`;
  const store = resumeStore();
  const fingerprint = RESUME_PREFIX + JSON.stringify([uploads, name, size, file.lastModified ?? null]);
  const meter = new Meter(size, options.onProgress);
  const signal = options.signal;

  // The parts: their place in the file, their URL once created, and their offset there.
  let parts = null;
  try { parts = JSON.parse(store?.getItem(fingerprint) ?? 'null'); } catch { parts = null; }
  if (!Array.isArray(parts) || parts.some((p) => typeof p?.start !== 'number')) {
    const count = Math.max(1, Math.min(options.parts ?? HTTP_PARTS, Math.floor(size / MIN_PART)));
    const step = Math.ceil(size / count / (4 * MiB)) * 4 * MiB;
    parts = [];
    for (let start = 0; start < size || parts.length === 0; start += step) {
      parts.push({ start, length: Math.min(step, size - start), url: null });
    }
  }
  const single = parts.length === 1;
  const remember = () => {
    try { store?.setItem(fingerprint, JSON.stringify(parts.map(({ start, length, url }) => ({ start, length, url })))); } catch { /* full */ }
  };
  const forget = () => { try { store?.removeItem(fingerprint); } catch { /* disabled */ } };

  const report = () => {
    let bytes = 0;
    for (const p of parts) bytes += (p.offset ?? 0) + (p.sending ?? 0);
    meter.update(Math.min(bytes, size));
  };
  const tick = setInterval(report, 100);

  let authenticated = false;
  let token = null;
  // One request, with the key proved first where the daemon asks for it: over the
  // WebSocket, whose token opens the HTTP side as a cookie.
  const ask = async (method, url, fields, more = {}) => {
    for (;;) {
      const headers = { 'Tus-Resumable': TUS_VERSION, ...fields };
      // A browser sends the cookie itself, and may not be told to.
      if (token && typeof document === 'undefined') headers.Cookie = `streamd_token=${token}`;
      const r = await httpRequest(method, url, { headers, signal, ...more });
      if (r.status !== 403 || authenticated || !/key is needed/.test(r.text)) return r;
      authenticated = true;
      ({ token } = await authenticate({ ...options, url: base.replace(/^http/, 'ws') + '/ws' }));
      if (token && typeof document !== 'undefined') {
        document.cookie = `streamd_token=${token}; path=/; SameSite=Strict`;
      }
    }
  };

  let stored = null;
  const sendPart = async (part, signal) => {
    if (part.url && part.offset === undefined) {
      const r = await ask('HEAD', part.url, {}, { signal });
      if (r.status === 200) {
        part.offset = Number(r.header('Upload-Offset'));
      } else if (r.status === 404 || r.status === 410) {
        part.url = null; // gone: sent again from the start
      } else {
        throw httpError(r, 'cannot resume the upload');
      }
    }
    if (!part.url) {
      const fields = { 'Upload-Length': String(part.length) };
      if (single) fields['Upload-Metadata'] = `filename ${base64(name)}`;
      else fields['Upload-Concat'] = 'partial';
      const r = await ask('POST', uploads, fields, { signal });
      if (r.status !== 201) throw httpError(r, 'the daemon did not take the upload');
      part.url = new URL(r.header('Location'), uploads).href;
      part.offset = 0;
      stored = r.header('Streamd-Stored');
      remember();
    }
    while (part.offset < part.length) {
      const from = part.offset;
      const r = await ask('PATCH', part.url,
        { 'Upload-Offset': String(from), 'Content-Type': 'application/offset+octet-stream' },
        { body: from === 0 && part.length === size ? file : file.slice(part.start + from, part.start + part.length), signal,
          onSent: (n) => { part.sending = n; } });
      part.sending = 0;
      if (r.status === 409) {
        part.offset = Number(r.header('Upload-Offset'));
        continue;
      }
      if (r.status !== 204) throw httpError(r, 'the daemon did not take the data');
      part.offset = Number(r.header('Upload-Offset'));
      stored = r.header('Streamd-Stored') ?? stored;
    }
  };

  const retries = options.retries ?? 5;
  let failures = 0;
  try {
    for (;;) {
      const before = parts.reduce((sum, p) => sum + (p.offset ?? 0), 0);
      try {
        // A part that fails stops the others, so that the next try starts from a rest.
        const attempt = new AbortController();
        const stop = () => attempt.abort();
        signal?.addEventListener('abort', stop, { once: true });
        const results = await Promise.allSettled(parts.map((p) => sendPart(p, attempt.signal).catch((error) => {
          attempt.abort();
          throw error;
        })));
        signal?.removeEventListener('abort', stop);
        const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
        if (failed.length === 0) break;
        throw failed.find((e) => e?.name !== 'AbortError') ?? failed[0];
      } catch (error) {
        if (signal?.aborted || error?.name === 'AbortError') throw abortError();
        if (!(error instanceof StreamdError) || !error.retryable) throw error;
        // Only failures in a row count: a long upload may outlive many short outages.
        if (parts.reduce((sum, p) => sum + (p.offset ?? 0), 0) > before) failures = 0;
        if (failures >= retries) throw error;
        await sleep(500 * 2 ** failures, signal);
        failures++;
        // Where each part stands is asked anew: the lost request may have brought more.
        for (const p of parts) { p.sending = 0; if (p.offset < p.length) p.offset = undefined; }
      }
    }
    let id = new URL(parts[0].url).pathname.split('/').pop();
    if (!single) {
      const r = await ask('POST', uploads, {
        'Upload-Concat': `final;${parts.map((p) => new URL(p.url).pathname).join(' ')}`,
        'Upload-Metadata': `filename ${base64(name)}`,
      });
      if (r.status !== 201) throw httpError(r, 'the daemon could not join the parts');
      id = new URL(r.header('Location'), uploads).pathname.split('/').pop();
      stored = r.header('Streamd-Stored');
    }
    forget();
    meter.finish();
    return { id, name: stored ? decodeURIComponent(stored) : name, size, digest: '' };
  } catch (error) {
    if (error?.name === 'AbortError') {
      // Nothing of a canceled upload waits for partial_ttl.
      forget();
      for (const p of parts) {
        if (p.url) httpRequest('DELETE', p.url, { headers: { 'Tus-Resumable': TUS_VERSION } }).catch(() => {});
      }
    }
    throw error;
  } finally {
    clearInterval(tick);
  }
}

// ---------------------------------------------------------------- download

/**
 * Downloads the received file `name`. Resolves to a Blob, or, when options.onChunk is
 * given, hands it the chunks in order (awaiting what it returns) and resolves to
 * {name, size}. Options as for uploadFile: url, key, chunkSize, inFlight (request_chunk
 * messages outstanding, default 8), signal, onProgress, onAuthenticated, WebSocket.
 * A chunk whose XXH32 does not match is asked for again, three times at most.
 */
export async function downloadFile(name, options = {}) {
  const conn = await connect(options);
  try {
    const request = { type: 'request_download', name };
    if (options.chunkSize) request.chunk_size = options.chunkSize;
    conn.send(request);
    const ready = await nextText(conn);
    if (ready.type !== 'download_ready') {
      throw new StreamdError(`the daemon answered ${ready.type} to request_download`, 'bad_message');
    }
    const { id, size } = ready;
    const chunkSize = ready.chunk_size;
    const idBytes = fromHex(id);
    const count = size === 0 ? 0 : Math.ceil(size / chunkSize);
    const lengthOf = (index) => Math.min(chunkSize, size - index * chunkSize);
    const limit = Math.max(1, options.inFlight ?? 8);
    const meter = new Meter(size, options.onProgress);
    const parts = [];
    const arrived = new Map();
    const attempts = new Map();
    let requested = 0;
    let outstanding = 0;
    let delivered = 0;
    let received = 0;
    const ask = (index) => { conn.send({ type: 'request_chunk', id, index }); outstanding++; };
    const fill = () => { while (requested < count && outstanding + arrived.size < limit) ask(requested++); };
    fill();
    meter.update(0);
    while (delivered < count) {
      const message = await conn.next();
      if (!(message instanceof Uint8Array)) {
        if (message.type === 'error' && (message.id === undefined || message.id === id)) {
          throw daemonError(message);
        }
        continue;
      }
      if (message.length < HEADER || !idBytes.every((b, i) => message[i] === b)) continue;
      const view = new DataView(message.buffer, message.byteOffset, HEADER);
      const index = view.getUint32(16) * 0x100000000 + view.getUint32(20);
      if (index >= count || arrived.has(index) || index < delivered) continue;
      outstanding--;
      const data = message.subarray(HEADER);
      if (data.length !== lengthOf(index) || xxh32(data) !== view.getUint32(24)) {
        const times = (attempts.get(index) ?? 0) + 1;
        attempts.set(index, times);
        if (times > 3) {
          throw new StreamdError(`chunk ${index} of ${name} arrived damaged ${times} times`,
                                 'digest_mismatch');
        }
        ask(index);
        continue;
      }
      arrived.set(index, data);
      received += data.length;
      meter.update(received);
      while (arrived.has(delivered)) {
        const chunk = arrived.get(delivered);
        arrived.delete(delivered);
        if (options.onChunk) await options.onChunk(delivered, chunk);
        else parts.push(chunk);
        delivered++;
      }
      if (conn.error) throw conn.error;
      fill();
    }
    conn.send({ type: 'end_download', id });
    meter.finish();
    if (options.onChunk) return { name: ready.name ?? name, size };
    return new Blob(parts, { type: 'application/octet-stream' });
  } catch (error) {
    conn.fail(error);
    throw conn.error === error ? error : conn.error;
  } finally {
    conn.detach();
    conn.close();
  }
}
