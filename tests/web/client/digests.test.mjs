// The page's digests against the reference implementations: XXH32 against libxxhash and
// xxhsum, SHA-256 against FIPS 180-2 and sha256sum, HMAC-SHA256 against RFC 4231.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { authProof, fileDigest, hmacSha256, sha256, xxh32 } from '../../../daemon/web/streamd.js';

const hex = (bytes) => Buffer.from(bytes).toString('hex');

function hasTool(name) {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Bytes i * 31 + 7; the expected values come from XXH32() of libxxhash 0.8.
const PATTERN = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 0xff);
const XXH32_PATTERN = [
  [0, 0x02cc5d05], [1, 0x002e0d32], [2, 0xceb77c10], [3, 0xaca17380], [4, 0x073faa82],
  [5, 0x16ac9537], [7, 0xa9a7eebf], [8, 0xb9893c6c], [11, 0xb79882ee], [15, 0x9f29f87b],
  [16, 0x3f6c9665], [17, 0xe048ecdb], [19, 0x342f1b7a], [31, 0x00f1525c], [32, 0xee42e668],
  [33, 0x770b5126], [63, 0x471925bb], [64, 0xf2a797fa], [65, 0x832b0571], [100, 0x75936eb8],
  [255, 0xdbe7dd0a], [1000, 0xa793e7c7], [4096, 0xf11917ba],
];

test('xxh32 of nothing and of "abc"', () => {
  assert.equal(xxh32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(xxh32(new ArrayBuffer(0)), 0x02cc5d05);
  assert.equal(xxh32('abc'), 0x32d153ff);
});

test('xxh32 matches libxxhash for every length class', () => {
  for (const [length, expected] of XXH32_PATTERN) {
    assert.equal(xxh32(PATTERN.subarray(0, length)), expected, `length ${length}`);
  }
  assert.equal(xxh32(PATTERN.subarray(0, 100), 0x9747b28c), 0xd776973c, 'with a seed');
});

test('xxh32 gives the same answer at every alignment and through every view', () => {
  for (const [length, expected] of XXH32_PATTERN) {
    for (let shift = 1; shift < 4; shift++) {
      const moved = new Uint8Array(length + shift);
      moved.set(PATTERN.subarray(0, length), shift);
      assert.equal(xxh32(moved.subarray(shift)), expected, `length ${length}, offset ${shift}`);
    }
  }
  const buffer = Buffer.from(PATTERN.subarray(0, 1000));
  assert.equal(xxh32(buffer), 0xa793e7c7, 'a Node Buffer');
  assert.equal(xxh32(new DataView(PATTERN.buffer, 0, 1000)), 0xa793e7c7, 'a DataView');
  assert.equal(xxh32(PATTERN.slice(0, 1000).buffer), 0xa793e7c7, 'an ArrayBuffer');
});

test('xxh32 matches xxhsum -H0 on random data', { skip: !hasTool('xxhsum') && 'no xxhsum' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamd-xxh32-'));
  try {
    const lengths = [1, 3, 13, 16, 29, 64, 333, 4095, 4097, 65536 + 7, 1 << 20, (1 << 20) + 13];
    const data = new Map();
    const files = lengths.map((length, i) => {
      const path = join(dir, `r${i}`);
      data.set(path, randomBytes(length));
      writeFileSync(path, data.get(path));
      return path;
    });
    // One xxhsum for all the files keeps this fast; its lines are "HASH  PATH".
    const lines = execFileSync('xxhsum', ['-H0', ...files], { encoding: 'utf8' }).trim().split('\n');
    assert.equal(lines.length, files.length);
    for (const line of lines) {
      const [expected, path] = line.split(/\s+/);
      const bytes = data.get(path);
      for (const shift of [0, 1, 2, 3]) {
        const moved = new Uint8Array(bytes.length + shift);
        moved.set(bytes, shift);
        assert.equal(xxh32(moved.subarray(shift)).toString(16).padStart(8, '0'), expected,
                     `${bytes.length} bytes at offset ${shift}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sha256 matches the FIPS 180-2 vectors', () => {
  assert.equal(hex(sha256('')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(sha256('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(hex(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
               '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  assert.equal(hex(sha256('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno' +
                          'ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu')),
               'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1');
  assert.equal(hex(sha256('a'.repeat(1_000_000))),
               'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

test('sha256 pads every length around a block boundary right', () => {
  for (let length = 0; length <= 130; length++) {
    const data = PATTERN.subarray(0, length);
    assert.equal(hex(sha256(data)), createHash('sha256').update(data).digest('hex'), `length ${length}`);
  }
});

test('sha256 of 1 MiB matches sha256sum', { skip: !hasTool('sha256sum') && 'no sha256sum' }, () => {
  const data = randomBytes(1 << 20);
  const expected = execFileSync('sha256sum', { input: data, encoding: 'utf8' }).split(' ')[0];
  assert.equal(hex(sha256(data)), expected);
  // An unaligned view of the same bytes.
  const moved = new Uint8Array(data.length + 1);
  moved.set(data, 1);
  assert.equal(hex(sha256(moved.subarray(1))), expected);
});

test('hmacSha256 matches RFC 4231 test cases 1, 2 and 6', () => {
  assert.equal(hex(hmacSha256(new Uint8Array(20).fill(0x0b), 'Hi There')),
               'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  assert.equal(hex(hmacSha256('Jefe', 'what do ya want for nothing?')),
               '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.equal(hex(hmacSha256(new Uint8Array(131).fill(0xaa),
                              'Test Using Larger Than Block-Size Key - Hash Key First')),
               '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
});

test('hmacSha256 with a key of exactly one block', () => {
  const key = PATTERN.subarray(0, 64);
  assert.equal(hex(hmacSha256(key, 'm')), createHmac('sha256', key).update('m').digest('hex'));
});

test('fileDigest is the first half of SHA-256 over the big-endian chunk digests', () => {
  assert.equal(fileDigest([]), 'e3b0c44298fc1c149afbf4c8996fb924');
  const digests = [0x02cc5d05, 0xffffffff, 0, 0x32d153ff];
  const bytes = Buffer.alloc(16);
  digests.forEach((d, i) => bytes.writeUInt32BE(d, i * 4));
  const expected = createHash('sha256').update(bytes).digest('hex').slice(0, 32);
  assert.equal(fileDigest(digests), expected);
  assert.equal(fileDigest(Uint32Array.from(digests)), expected);
  assert.equal(fileDigest([0x02cc5d05]), createHash('sha256')
    .update(Buffer.from('02cc5d05', 'hex')).digest('hex').slice(0, 32));
});

test('the auth proof is keyed with the key file as text, less trailing white space', () => {
  const keyFile = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n';
  const nonce = randomBytes(32);
  const expected = createHmac('sha256', keyFile.trimEnd())
    .update(Buffer.concat([Buffer.from('streamd auth v1', 'ascii'), nonce]))
    .digest('hex');
  assert.equal(authProof(keyFile, nonce.toString('hex')), expected);
  assert.equal(authProof(keyFile.trimEnd() + ' \t\r\n', nonce.toString('hex')), expected);
  assert.equal(authProof(new TextEncoder().encode(keyFile), nonce.toString('hex')), expected);
  // Leading white space is part of the key, as the daemon reads it.
  assert.notEqual(authProof(' ' + keyFile, nonce.toString('hex')), expected);
});
