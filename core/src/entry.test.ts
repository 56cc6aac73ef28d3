import { describe, expect, it } from 'vitest';
import { type Entry, fetched, validateEntry, version } from './entry.js';
import { FerryError } from './errors.js';

const file = (over: Partial<Entry> = {}): Entry => ({
  path: 'a/b.txt',
  size: 5,
  mtime: 1000,
  isDir: false,
  ...over,
});

describe('version', () => {
  it('is the provider hash when there is one', () => {
    expect(version(file({ hash: 'ab'.repeat(16), hashType: 'md5' }))).toBe(`md5:${'ab'.repeat(16)}`);
  });
  it('falls back to size and mtime', () => {
    expect(version(file())).toBe('s5-m1000');
  });
  it('is the same for every folder', () => {
    expect(version({ path: 'd', size: 0, mtime: 1, isDir: true })).toBe('dir');
  });
});

describe('fetched', () => {
  it('holds only when the receipt equals the current version', () => {
    expect(fetched(file(), 's5-m1000')).toBe(true);
    expect(fetched(file({ mtime: 2000 }), 's5-m1000')).toBe(false);
    expect(fetched(file(), undefined)).toBe(false);
  });
});

describe('validateEntry', () => {
  it("sets a folder's size to 0 (ext4 reports 4096; there is no content to count)", () => {
    expect(validateEntry({ path: 'd', size: 4096, mtime: 1, isDir: true }).size).toBe(0);
    expect(validateEntry({ path: 'f', size: 4096, mtime: 1, isDir: false }).size).toBe(4096);
  });

  it('lowercases the hash', () => {
    expect(validateEntry(file({ hash: 'AB'.repeat(16), hashType: 'md5' })).hash).toBe('ab'.repeat(16));
  });
  it.each([
    ['absolute path', file({ path: '/x' })],
    ['empty segment', file({ path: 'a//b' })],
    ['negative size', file({ size: -1 })],
    ['short md5', file({ hash: 'abc', hashType: 'md5' })],
    [
      'hash on a folder',
      { path: 'd', size: 0, mtime: 1, isDir: true, hash: 'ab'.repeat(16), hashType: 'md5' } as Entry,
    ],
  ])('refuses %s with BAD_ENTRY', (_name, raw) => {
    expect(() => validateEntry(raw)).toThrow(FerryError);
    try {
      validateEntry(raw);
    } catch (error) {
      expect((error as FerryError).code).toBe('BAD_ENTRY');
    }
  });
});
