import { FerryError } from './errors.js';

/**
 * MD5 (RFC 1321) in plain TypeScript, fed in pieces. Core is pure and cannot import node:crypto;
 * pure code that must hash (the memory provider, tests of version strings) uses this. I/O code
 * should prefer node:crypto, which is several times faster.
 */
export interface Md5 {
  update(bytes: Uint8Array): void;
  /** Lowercase hex of the digest; finishes the hash (update afterwards is a bug). */
  digestHex(): string;
}

/** Per-round left-rotation amounts (RFC 1321, 3.4). */
const SHIFTS = [
  7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
  14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15,
  21, 6, 10, 15, 21,
];

/** floor(abs(sin(i + 1)) * 2^32), written out so the result never depends on Math.sin's last bit. */
const CONSTANTS = new Int32Array([
  0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8,
  0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340,
  0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87,
  0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
  0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
  0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92,
  0xffeff47d, 0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
  0xeb86d391,
]);

const BLOCK = 64;

export function createMd5(): Md5 {
  const state = new Int32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476]);
  const words = new Int32Array(16);
  const pending = new Uint8Array(BLOCK);
  let pendingLength = 0;
  let totalBytes = 0;
  let digest: string | undefined;

  function compress(source: Uint8Array, at: number): void {
    for (let i = 0; i < 16; i++) {
      const o = at + i * 4;
      words[i] =
        (source[o] as number) |
        ((source[o + 1] as number) << 8) |
        ((source[o + 2] as number) << 16) |
        ((source[o + 3] as number) << 24);
    }
    let a = state[0] as number;
    let b = state[1] as number;
    let c = state[2] as number;
    let d = state[3] as number;
    for (let i = 0; i < 64; i++) {
      let f: number;
      let g: number;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) & 15;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) & 15;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) & 15;
      }
      const sum = (a + f + (CONSTANTS[i] as number) + (words[g] as number)) | 0;
      const shift = SHIFTS[i] as number;
      a = d;
      d = c;
      c = b;
      b = (b + ((sum << shift) | (sum >>> (32 - shift)))) | 0;
    }
    state[0] = ((state[0] as number) + a) | 0;
    state[1] = ((state[1] as number) + b) | 0;
    state[2] = ((state[2] as number) + c) | 0;
    state[3] = ((state[3] as number) + d) | 0;
  }

  function update(bytes: Uint8Array): void {
    if (digest !== undefined) throw new FerryError('INTERNAL', 'md5: update after digestHex');
    totalBytes += bytes.length;
    let at = 0;
    if (pendingLength > 0) {
      const take = Math.min(BLOCK - pendingLength, bytes.length);
      pending.set(bytes.subarray(0, take), pendingLength);
      pendingLength += take;
      at = take;
      if (pendingLength < BLOCK) return;
      compress(pending, 0);
      pendingLength = 0;
    }
    for (; at + BLOCK <= bytes.length; at += BLOCK) compress(bytes, at);
    if (at < bytes.length) {
      pending.set(bytes.subarray(at), 0);
      pendingLength = bytes.length - at;
    }
  }

  function digestHex(): string {
    if (digest !== undefined) return digest;
    // Padding: 0x80, zeros up to 56 mod 64, then the length in bits as 64-bit little-endian.
    const padLength = pendingLength < 56 ? 56 - pendingLength : 120 - pendingLength;
    const tail = new Uint8Array(padLength + 8);
    tail[0] = 0x80;
    const bitsLow = ((totalBytes % 0x20000000) * 8) >>> 0;
    const bitsHigh = Math.floor(totalBytes / 0x20000000) >>> 0;
    for (let i = 0; i < 4; i++) {
      tail[padLength + i] = (bitsLow >>> (8 * i)) & 0xff;
      tail[padLength + 4 + i] = (bitsHigh >>> (8 * i)) & 0xff;
    }
    const countBefore = totalBytes;
    update(tail);
    totalBytes = countBefore;
    let hex = '';
    for (const word of state) {
      for (let i = 0; i < 4; i++) hex += ((word >>> (8 * i)) & 0xff).toString(16).padStart(2, '0');
    }
    digest = hex;
    return hex;
  }

  return { update, digestHex };
}

/** MD5 of one buffer, as lowercase hex. */
export function md5Hex(bytes: Uint8Array): string {
  const md5 = createMd5();
  md5.update(bytes);
  return md5.digestHex();
}
