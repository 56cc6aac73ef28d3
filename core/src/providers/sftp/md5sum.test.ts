import { describe, expect, it } from 'vitest';
import {
  MD5_BATCH_BYTES,
  MD5_BATCH_FILES,
  md5Batches,
  md5Command,
  parseMd5sum,
  shellQuote,
} from './md5sum.js';

describe('md5sum over exec', () => {
  it('quotes every argument so the shell passes it through unchanged', () => {
    expect(shellQuote("it's $(rm -rf /) `x` \\ \n")).toBe("'it'\\''s $(rm -rf /) `x` \\ \n'");
    expect(md5Command(['/a b', "/c'd"])).toBe("md5sum -- '/a b' '/c'\\''d'");
  });

  it('splits long file lists into batches by count and by command length', () => {
    const many = Array.from({ length: MD5_BATCH_FILES * 2 + 1 }, (_, i) => `/f${i}`);
    expect(md5Batches(many).map((batch) => batch.length)).toEqual([MD5_BATCH_FILES, MD5_BATCH_FILES, 1]);
    const long = Array.from({ length: 10 }, (_, i) => `/${String(i).repeat(MD5_BATCH_BYTES / 4)}`);
    const batches = md5Batches(long);
    expect(batches.flat()).toEqual(long);
    for (const batch of batches) expect(md5Command(batch).length).toBeLessThan(MD5_BATCH_BYTES + 100);
    expect(md5Batches([])).toEqual([]);
  });

  it('reads GNU md5sum output, escaped names included, and skips what it cannot read', () => {
    const output = [
      'd41d8cd98f00b204e9800998ecf8427e  /srv/empty.bin',
      'D41D8CD98F00B204E9800998ECF8427E *binary mode.bin',
      '\\6f5902ac237024bdd0c176cb93063dc4  /srv/new\\nline\\\\back',
      '\\6f5902ac237024bdd0c176cb93063dc4  /srv/bad\\escape',
      'md5sum: /srv/gone: No such file or directory',
      '',
    ].join('\n');
    expect(parseMd5sum(output)).toEqual(
      new Map([
        ['/srv/empty.bin', 'd41d8cd98f00b204e9800998ecf8427e'],
        ['binary mode.bin', 'd41d8cd98f00b204e9800998ecf8427e'],
        ['/srv/new\nline\\back', '6f5902ac237024bdd0c176cb93063dc4'],
      ]),
    );
  });
});
