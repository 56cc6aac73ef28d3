import { createHash, randomBytes } from 'node:crypto';
import type { HashType } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';

const hashOf = (type: HashType, ...pieces: Uint8Array[]) => {
  const hash = contentHash(type);
  for (const piece of pieces) hash.update(piece);
  return hash.digest();
};
const text = (value: string) => new TextEncoder().encode(value);
const b64hex = (value: string) => Buffer.from(value, 'base64').toString('hex');

/** QuickXorHash bit by bit, straight from its definition: the slow reference. */
function quickXorReference(data: Uint8Array): string {
  const register = new Uint8Array(20);
  data.forEach((byte, k) => {
    const offset = (k * 11) % 160;
    for (let bit = 0; bit < 8; bit++)
      if ((byte >> bit) & 1) {
        const position = (offset + bit) % 160;
        register[position >> 3] = (register[position >> 3] as number) ^ (1 << (position & 7));
      }
  });
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(data.length));
  for (let i = 0; i < 8; i++) register[12 + i] = (register[12 + i] as number) ^ (length[i] as number);
  return Buffer.from(register).toString('hex');
}

/** Dropbox's content hash from its definition, on the whole buffer at once. */
function dropboxReference(data: Uint8Array): string {
  const overall = createHash('sha256');
  for (let at = 0; at < data.length; at += 4 * 1024 * 1024)
    overall.update(
      createHash('sha256')
        .update(data.subarray(at, at + 4 * 1024 * 1024))
        .digest(),
    );
  return overall.digest('hex');
}

describe('contentHash', () => {
  it('md5, sha1, sha256 and crc32 give the usual hex digests', () => {
    expect(hashOf('md5', text('abc'))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(hashOf('sha1', text('abc'))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(hashOf('sha256', text('ab'), text('c'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(hashOf('crc32', text('1234'), text('56789'))).toBe('cbf43926');
    expect(hashOf('crc32')).toBe('00000000');
  });

  it("quickxor matches rclone's test vectors (base64 there, hex here)", () => {
    const vectors: [string, string][] = [
      ['', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
      ['Sg==', 'SgAAAAAAAAAAAAAAAQAAAAAAAAA='],
      ['tbQ=', 'taAFAAAAAAAAAAAAAgAAAAAAAAA='],
      ['0pZP', '0rDEEwAAAAAAAAAAAwAAAAAAAAA='],
      ['n6Neh7p6fFgm', 'nxiFFw6hCz3wAQsmCQAAAAAAAAA='],
      ['gQaybEqS/4UlDc8e4IJm', 'gDCALNigBEn8oxAlZ8AzPAAOQZg='],
      ['2fuxhBJXtpWFe8dOfdGeHw==', 'O9tHLAghgSvYohKFyMMxnNCHaHg='],
    ];
    for (const [input, want] of vectors)
      expect(hashOf('quickxor', Buffer.from(input, 'base64')), input).toBe(b64hex(want));
  });

  it('quickxor equals the bit-by-bit definition on every length to 400 and on pieces across the period', () => {
    for (let length = 0; length <= 400; length++) {
      const data = new Uint8Array(randomBytes(length));
      expect(hashOf('quickxor', data), `length ${length}`).toBe(quickXorReference(data));
    }
    const data = new Uint8Array(randomBytes(100_003));
    expect(hashOf('quickxor', data.subarray(0, 159), data.subarray(159, 50_001), data.subarray(50_001))).toBe(
      quickXorReference(data),
    );
  });

  it('dropbox hashes 4 MiB blocks, whatever the pieces it is fed', () => {
    expect(hashOf('dropbox')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const block = 4 * 1024 * 1024;
    for (const size of [1, block - 1, block, block + 1, 2 * block + 12345]) {
      const data = new Uint8Array(randomBytes(size));
      const cut = Math.floor(size / 3);
      expect(hashOf('dropbox', data.subarray(0, cut), data.subarray(cut)), `size ${size}`).toBe(
        dropboxReference(data),
      );
    }
  });
});
