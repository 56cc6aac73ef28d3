import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { type Entry, version } from '../entry.js';
import {
  deletedUpstream,
  dueEntries,
  entriesMap,
  fetchedPaths,
  fromStored,
  groupTwinsMap,
  readEntries,
  readEntry,
  readReceipt,
  receiptsKey,
  receiptsMap,
  removeEntries,
  tallyGroup,
  toStored,
  twinNamesFor,
  writeEntries,
  writeGroupTwinNames,
  writeReceipt,
} from './group-doc.js';

const file = (path: string, over: Partial<Entry> = {}): Entry => ({
  path,
  size: 10,
  mtime: 1000,
  isDir: false,
  ...over,
});
const folder = (path: string): Entry => ({ path, size: 0, mtime: 5, isDir: true });
const md5 = (digit: string): string => digit.repeat(32);

/** A copy of `doc` made the way sync makes it: from an encoded update. */
function replicate(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

/** Records each transaction's origin on `doc`. */
function origins(doc: Y.Doc): unknown[] {
  const seen: unknown[] = [];
  doc.on('afterTransaction', (tr: Y.Transaction) => seen.push(tr.origin));
  return seen;
}

describe('stored entries', () => {
  it.each([
    ['a plain file', file('a/b.txt')],
    ['a hashed file', file('h', { hash: md5('e'), hashType: 'md5' })],
    ['a folder', folder('d')],
  ])('round-trip %s through the short form', (_name, entry) => {
    expect(fromStored(entry.path, toStored(entry))).toEqual(entry);
  });
  it('keep only short keys and no empty ones', () => {
    expect(toStored(file('a'))).toEqual({ s: 10, m: 1000 });
    expect(toStored(folder('d'))).toEqual({ s: 0, m: 5, d: 1 });
    expect(toStored(file('h', { hash: md5('e'), hashType: 'md5' }))).toEqual({
      s: 10,
      m: 1000,
      h: md5('e'),
      t: 'md5',
    });
  });
  it('drop a hash without its type (no half version)', () => {
    expect(toStored(file('a', { hash: md5('e') }))).toEqual({ s: 10, m: 1000 });
  });
});

describe('entries map (crawler)', () => {
  it('round-trips written entries through an encoded update', () => {
    const doc = new Y.Doc();
    const entries = [file('b'), file('a', { hash: md5('1'), hashType: 'md5' }), folder('c')];
    writeEntries(doc, entries);
    const copy = replicate(doc);
    expect(readEntries(copy).sort((x, y) => x.path.localeCompare(y.path))).toEqual([
      entries[1],
      entries[0],
      entries[2],
    ]);
    expect(readEntry(copy, 'a')).toEqual(entries[1]);
    expect(readEntry(copy, 'missing')).toBeUndefined();
  });

  it('writes and removes in one transaction each, marked with the crawler origin', () => {
    const doc = new Y.Doc();
    const seen = origins(doc);
    writeEntries(doc, [file('a'), file('b'), file('c')]);
    removeEntries(doc, ['a', 'b']);
    writeEntries(doc, [file('c', { size: 1 })], 'crawl-7');
    expect(seen).toEqual(['crawler', 'crawler', 'crawl-7']);
    expect(readEntries(doc)).toEqual([file('c', { size: 1 })]);
  });

  it('removing an entry keeps every receipt for it (the disk keeps the file)', () => {
    const doc = new Y.Doc();
    writeEntries(doc, [file('a')]);
    writeReceipt(doc, 'disk1', 'a', 's10-m1000');
    removeEntries(doc, ['a']);
    expect(readEntry(doc, 'a')).toBeUndefined();
    expect(readReceipt(doc, 'disk1', 'a')).toBe('s10-m1000');
  });
});

describe('receipts (devices)', () => {
  it('round-trip per device, each in its own map, marked with the device as origin', () => {
    const doc = new Y.Doc();
    const seen = origins(doc);
    writeReceipt(doc, 'disk1', 'a', 'md5:x');
    writeReceipt(doc, 'disk2', 'a', 'md5:y');
    const copy = replicate(doc);
    expect([...copy.share.keys()].sort()).toEqual(['receipts/disk1', 'receipts/disk2']);
    expect(readReceipt(copy, 'disk1', 'a')).toBe('md5:x');
    expect(readReceipt(copy, 'disk2', 'a')).toBe('md5:y');
    expect(readReceipt(copy, 'disk3', 'a')).toBeUndefined();
    expect(seen).toEqual(['disk1', 'disk2']);
    expect(receiptsKey('disk1')).toBe('receipts/disk1');
    expect(receiptsMap(copy, 'disk1').toJSON()).toEqual({ a: 'md5:x' });
  });
});

/**
 * One group, crafted: entries written out of path order; disk1 holds `ok` and `dir` in their
 * current version, `stale` in an old one, nothing for `todo` and `new`, and `gone` (deleted in
 * the cloud). disk2 holds only `todo`.
 */
function craftedGroup(): Y.Doc {
  const doc = new Y.Doc();
  writeEntries(doc, [
    file('todo', { size: 3 }),
    file('ok', { size: 100, hash: md5('a'), hashType: 'md5' }),
    file('stale', { size: 7, mtime: 2000 }),
    folder('dir'),
    file('new', { size: 5 }),
  ]);
  writeReceipt(doc, 'disk1', 'ok', `md5:${md5('a')}`);
  writeReceipt(doc, 'disk1', 'stale', 's7-m1000');
  writeReceipt(doc, 'disk1', 'dir', 'dir');
  writeReceipt(doc, 'disk1', 'gone', 's1-m1');
  writeReceipt(doc, 'disk1', 'elsewhere', 's2-m2');
  writeReceipt(doc, 'disk2', 'todo', 's3-m1000');
  return doc;
}

describe('derived views on a crafted group', () => {
  it('dueEntries lists what the device lacks in its current version, in path order', () => {
    const doc = craftedGroup();
    expect(dueEntries(doc, 'disk1').map((e) => e.path)).toEqual(['new', 'stale', 'todo']);
    expect(dueEntries(doc, 'disk2').map((e) => e.path)).toEqual(['dir', 'new', 'ok', 'stale']);
    expect(dueEntries(doc, 'disk3')).toHaveLength(5);
    expect(dueEntries(doc, 'disk1')[1]).toEqual(file('stale', { size: 7, mtime: 2000 }));
  });

  it('fetchedPaths holds exactly the paths whose receipt equals the current version', () => {
    const doc = craftedGroup();
    expect([...fetchedPaths(doc, 'disk1')].sort()).toEqual(['dir', 'ok']);
    expect([...fetchedPaths(doc, 'disk2')]).toEqual(['todo']);
    // A new version of a fetched file makes it due; the receipt itself is untouched.
    writeEntries(doc, [file('ok', { size: 100, hash: md5('b'), hashType: 'md5' })]);
    expect([...fetchedPaths(doc, 'disk1')]).toEqual(['dir']);
    expect(readReceipt(doc, 'disk1', 'ok')).toBe(`md5:${md5('a')}`);
    // Writing the receipt for the new version makes it fetched again.
    writeReceipt(doc, 'disk1', 'ok', version(readEntry(doc, 'ok') as Entry));
    expect([...fetchedPaths(doc, 'disk1')].sort()).toEqual(['dir', 'ok']);
  });

  it('deletedUpstream lists receipts whose path left the catalog, sorted', () => {
    const doc = craftedGroup();
    expect(deletedUpstream(doc, 'disk1')).toEqual(['elsewhere', 'gone']);
    expect(deletedUpstream(doc, 'disk2')).toEqual([]);
    removeEntries(doc, ['todo']);
    expect(deletedUpstream(doc, 'disk2')).toEqual(['todo']);
    expect(dueEntries(doc, 'disk1').map((e) => e.path)).toEqual(['new', 'stale']);
  });

  it('tallyGroup counts files and bytes, and what the device holds of them', () => {
    const doc = craftedGroup();
    expect(tallyGroup(doc, 'disk1')).toEqual({
      files: 5,
      bytes: 115,
      fetchedFiles: 2,
      fetchedBytes: 100,
      deletedUpstream: 2,
    });
    expect(tallyGroup(doc, 'disk2')).toEqual({
      files: 5,
      bytes: 115,
      fetchedFiles: 1,
      fetchedBytes: 3,
      deletedUpstream: 0,
    });
    expect(tallyGroup(new Y.Doc(), 'disk1')).toEqual({
      files: 0,
      bytes: 0,
      fetchedFiles: 0,
      fetchedBytes: 0,
      deletedUpstream: 0,
    });
  });

  it('agree with each other on every device', () => {
    const doc = craftedGroup();
    for (const device of ['disk1', 'disk2', 'disk3']) {
      const due = dueEntries(doc, device).map((e) => e.path);
      const done = fetchedPaths(doc, device);
      expect(due.length + done.size).toBe(entriesMap(doc).size);
      for (const path of due) expect(done.has(path)).toBe(false);
      expect(tallyGroup(doc, device).fetchedFiles).toBe(done.size);
      expect(tallyGroup(doc, device).deletedUpstream).toBe(deletedUpstream(doc, device).length);
    }
  });
});

describe("a group's twin names", () => {
  it('are the given names of its paths and of their folders, written and cleared in place', () => {
    const names = new Map([
      ['photos', 'photos~0123abcd'],
      ['Photos', ''],
      ['docs/A.txt', 'A~89abcdef.txt'],
    ]);
    const needed = twinNamesFor(
      ['photos/x.jpg', 'photos/2024/y.jpg', 'Photos/x.jpg', 'docs/a.txt', 'docs/A.txt'],
      names,
    );
    expect(Object.fromEntries(needed)).toEqual({ photos: 'photos~0123abcd', 'docs/A.txt': 'A~89abcdef.txt' });
    expect(twinNamesFor(['photos/x.jpg'], new Map([['photos', '']])).size).toBe(0);

    const doc = new Y.Doc();
    writeGroupTwinNames(doc, needed);
    expect(groupTwinsMap(doc).toJSON()).toEqual(Object.fromEntries(needed));
    let updates = 0;
    doc.on('update', () => updates++);
    writeGroupTwinNames(doc, needed);
    expect(updates).toBe(0);
    writeGroupTwinNames(doc, new Map());
    expect(groupTwinsMap(doc).size).toBe(0);
  });
});
