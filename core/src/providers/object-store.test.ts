import { describe, expect, it } from 'vitest';
import {
  FolderDeriver,
  type ListedObject,
  parseRetryAfter,
  rootKeyPrefix,
  wholeSeconds,
} from './object-store.js';

const object = (name: string, mtime = 5000, more: Partial<ListedObject> = {}): ListedObject => ({
  name,
  size: name.endsWith('/') ? 0 : 3,
  mtime,
  marker: false,
  ...more,
});

describe('FolderDeriver', () => {
  it('yields each implied folder once, before the first object inside, with that object mtime', () => {
    const deriver = new FolderDeriver();
    const paths = [
      ...deriver.entriesFor(object('a/b/c.txt', 1000)),
      ...deriver.entriesFor(object('a/b/d.txt', 2000)),
      ...deriver.entriesFor(object('a/e.txt', 3000)),
      ...deriver.entriesFor(object('top.txt', 4000)),
    ];
    expect(paths.map((entry) => `${entry.isDir ? 'D' : 'F'} ${entry.path} ${entry.mtime}`)).toEqual([
      'D a 1000',
      'D a/b 1000',
      'F a/b/c.txt 1000',
      'F a/b/d.txt 2000',
      'F a/e.txt 3000',
      'F top.txt 4000',
    ]);
  });

  it('turns markers into folders, skips the listed folder own marker and keys with empty segments', () => {
    const deriver = new FolderDeriver();
    expect(deriver.entriesFor(object('', 1))).toEqual([]);
    expect(deriver.entriesFor(object('x/', 7000))).toEqual([
      { path: 'x', size: 0, mtime: 7000, isDir: true },
    ]);
    expect(deriver.entriesFor(object('x/y', 8000)).map((entry) => entry.path)).toEqual(['x/y']);
    expect(deriver.entriesFor(object('flagged', 9000, { marker: true }))).toEqual([
      { path: 'flagged', size: 0, mtime: 9000, isDir: true },
    ]);
    expect(deriver.entriesFor(object('a//b'))).toEqual([]);
    expect(deriver.entriesFor(object('/lead'))).toEqual([]);
    expect(deriver.skipped).toBe(2);
  });

  it('carries a hash only when it has both hash and type', () => {
    const deriver = new FolderDeriver();
    const [withHash] = deriver.entriesFor(object('f', 1, { hash: 'ab'.repeat(16), hashType: 'md5' }));
    expect(withHash).toMatchObject({ hash: 'ab'.repeat(16), hashType: 'md5' });
    const [without] = deriver.entriesFor(object('g', 1));
    expect(without && 'hash' in without).toBe(false);
  });
});

describe('object-store helpers', () => {
  it('normalises the root prefix', () => {
    expect(rootKeyPrefix(undefined)).toBe('');
    expect(rootKeyPrefix('')).toBe('');
    expect(rootKeyPrefix('/')).toBe('');
    expect(rootKeyPrefix('/photos/2024/')).toBe('photos/2024/');
    expect(rootKeyPrefix('photos')).toBe('photos/');
  });

  it('keeps whole seconds', () => {
    expect(wholeSeconds(1_700_000_123_456)).toBe(1_700_000_123_000);
    expect(wholeSeconds(1_700_000_123_000)).toBe(1_700_000_123_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('rootKeyPrefix refusals', () => {
  it('refuses prefixes with empty, . or .. parts', () => {
    for (const bad of ['a//b', 'a/../b', './a', 'a/.'])
      expect(() => rootKeyPrefix(bad), bad).toThrow(
        expect.objectContaining({ code: 'BAD_PROVIDER_OPTIONS' }),
      );
  });
});

describe('FolderDeriver: a file and a folder of the same name', () => {
  it('keeps the file and skips the keys under it, in key order, without a duplicate path', () => {
    const deriver = new FolderDeriver();
    const keys = ['a', 'a b.txt', 'a.txt', 'a/x', 'a/y/z', 'ab/c', 'b'];
    const paths = keys.flatMap((key) => deriver.entriesFor(object(key)).map((entry) => entry.path));
    expect(paths).toEqual(['a', 'a b.txt', 'a.txt', 'ab', 'ab/c', 'b']);
    expect(new Set(paths).size).toBe(paths.length);
    expect(deriver.skipped).toBe(2);
  });

  it('skips a file named like a folder already yielded (out of key order)', () => {
    const deriver = new FolderDeriver();
    expect(deriver.entriesFor(object('a/x')).map((entry) => entry.path)).toEqual(['a', 'a/x']);
    expect(deriver.entriesFor(object('a'))).toEqual([]);
    expect(deriver.skipped).toBe(1);
  });

  it('forgets files once the key order has moved past them', () => {
    const deriver = new FolderDeriver();
    deriver.entriesFor(object('p'));
    deriver.entriesFor(object('q/r'));
    // 'p' is no longer a prefix of the latest key, so it left the stack.
    expect((deriver as unknown as { openFiles: string[] }).openFiles).toEqual(['q/r']);
  });
});
