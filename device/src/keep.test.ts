import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeDisk } from './disk-io.js';
import { keepOldCopy, stamp, versionPath } from './keep.js';

const AT = Date.UTC(2026, 10, 25, 6, 33, 0, 123);

describe('versionPath', () => {
  it('puts the old copy under .ferry/versions/<container>/<dir>, time before the extension', () => {
    expect(stamp(AT)).toBe('20261125T063300123Z');
    expect(versionPath('/disk', 'c1', 'a/b/photo.jpg', AT)).toBe(
      '/disk/.ferry/versions/c1/a/b/photo.20261125T063300123Z.jpg',
    );
    expect(versionPath('/disk', 'c1', 'top.txt', AT)).toBe(
      '/disk/.ferry/versions/c1/top.20261125T063300123Z.txt',
    );
    expect(versionPath('/disk', 'c1', 'Makefile', AT)).toBe(
      '/disk/.ferry/versions/c1/Makefile.20261125T063300123Z',
    );
  });

  it('a long name is shortened to 255 bytes without cutting a character in half, extension kept', () => {
    const long = `a${'😀'.repeat(60)}.fl`; // 244 bytes, characters of two UTF-16 units
    const name = basename(versionPath('/disk', 'c1', `music/${long}`, AT));
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    expect(name.endsWith('.20261125T063300123Z.fl')).toBe(true);
    expect(name.replace(/\.2026.*$/, '')).toMatch(/^a😀+$/u);
  });

  it('an over-long extension is not treated as one', () => {
    const name = basename(versionPath('/disk', 'c1', `x.${'e'.repeat(40)}`, AT));
    expect(name.endsWith('.20261125T063300123Z')).toBe(true);
  });
});

describe('keepOldCopy', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-keep-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the old content after the new file is renamed over the final name', async () => {
    const final = join(dir, 'c1', 'doc.txt');
    await nodeDisk.mkdir(join(dir, 'c1'));
    await writeFile(final, 'old');
    const target = versionPath(dir, 'c1', 'doc.txt', AT);
    expect(await keepOldCopy(nodeDisk, final, target)).toBe(target);
    // Until the new content is renamed over it, the final name still holds the old file.
    expect(await readFile(final, 'utf8')).toBe('old');
    await writeFile(`${final}.ferry-part`, 'new');
    await rename(`${final}.ferry-part`, final);
    expect(await readFile(final, 'utf8')).toBe('new');
    expect(await readFile(target, 'utf8')).toBe('old');
  });
});
