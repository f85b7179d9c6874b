// XXH32 with seed 0, the chunk digest of the web protocol, computed independently of the
// page's client so that the tests do not check the client against itself.

const P1 = 0x9E3779B1;
const P2 = 0x85EBCA77;
const P3 = 0xC2B2AE3D;
const P4 = 0x27D4EB2F;
const P5 = 0x165667B1;

const rotl = (x, r) => (x << r) | (x >>> (32 - r));
const round = (acc, lane) => Math.imul(rotl((acc + Math.imul(lane, P2)) | 0, 13), P1);

// The digest of `data` (a Buffer or Uint8Array) as an unsigned 32-bit number.
export function xxh32(data, seed = 0) {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = bytes.length;
    let i = 0;
    let h;
    if (n >= 16) {
        let v1 = (seed + P1 + P2) | 0;
        let v2 = (seed + P2) | 0;
        let v3 = seed | 0;
        let v4 = (seed - P1) | 0;
        for (; i <= n - 16; i += 16) {
            v1 = round(v1, view.getUint32(i, true));
            v2 = round(v2, view.getUint32(i + 4, true));
            v3 = round(v3, view.getUint32(i + 8, true));
            v4 = round(v4, view.getUint32(i + 12, true));
        }
        h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
    } else {
        h = (seed + P5) | 0;
    }
    h = (h + n) | 0;
    for (; i + 4 <= n; i += 4)
        h = Math.imul(rotl((h + Math.imul(view.getUint32(i, true), P3)) | 0, 17), P4);
    for (; i < n; i++)
        h = Math.imul(rotl((h + Math.imul(bytes[i], P5)) | 0, 11), P1);
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
}
