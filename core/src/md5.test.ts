import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMd5, md5Hex } from './md5.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('md5', () => {
  it('matches the RFC 1321 test suite', () => {
    const vectors: [string, string][] = [
      ['', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['a', '0cc175b9c0f1b6a831c399e269772661'],
      ['abc', '900150983cd24fb0d6963f7d28e17f72'],
      ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
      ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
      ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
      [
        '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
        '57edf4a22be3c955ac49da2e2107b67a',
      ],
    ];
    for (const [input, hex] of vectors) expect(md5Hex(text(input)), input).toBe(hex);
  });

  it('agrees with node:crypto on random data fed in random pieces', () => {
    // Lengths around the 55/56/64-byte padding edges, then larger buffers.
    const lengths = [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 65_536 + 7, 300_001];
    for (const length of lengths) {
      const data = new Uint8Array(randomBytes(length));
      const md5 = createMd5();
      let at = 0;
      while (at < data.length) {
        const piece = 1 + Math.floor(Math.random() * 200);
        md5.update(data.subarray(at, at + piece));
        at += piece;
      }
      expect(md5.digestHex(), `length ${length}`).toBe(createHash('md5').update(data).digest('hex'));
    }
  });

  it('returns the same digest twice and refuses more data after it', () => {
    const md5 = createMd5();
    md5.update(text('abc'));
    expect(md5.digestHex()).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5.digestHex()).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(() => md5.update(text('d'))).toThrow(/after digestHex/);
  });
});
