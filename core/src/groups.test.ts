import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
  deletedUpstream,
  dueEntries,
  fetchedPaths,
  readEntries,
  removeEntries,
  writeEntries,
  writeReceipt,
} from './docs/group-doc.js';
import { type Entry, fetched, version } from './entry.js';
import { FerryError } from './errors.js';
import {
  type CrawlEdits,
  CrawlMerge,
  checkGroupSize,
  MAX_GROUP_SIZE,
  mergeCrawl,
  type PlacedEntry,
  placeFirstCrawl,
} from './groups.js';
import { seededRandom } from './testing/random.js';

const file = (path: string, over: Partial<Entry> = {}): Entry => ({
  path,
  size: 10,
  mtime: 1000,
  isDir: false,
  ...over,
});
const md5 = (digit: string): string => digit.repeat(32);
const paths = (list: { entry: Entry }[] | { path: string }[]): string[] =>
  list.map((item) => ('entry' in item ? item.entry.path : item.path)).sort();

/** The catalog after applying edits to `old`: path -> placement. */
function apply(old: PlacedEntry[], edits: CrawlEdits): Map<string, PlacedEntry> {
  const out = new Map(old.map((p) => [p.entry.path, p]));
  for (const { path } of edits.removed) out.delete(path);
  for (const placed of [...edits.changed, ...edits.updated, ...edits.added])
    out.set(placed.entry.path, placed);
  return out;
}

function expectCode(run: () => unknown, code: string): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FerryError);
    expect((error as FerryError).code).toBe(code);
    return;
  }
  expect.fail(`expected FerryError ${code}, nothing was thrown`);
}

/** Nine files a..i placed in groups of three: a b c | d e f | g h i. */
const nine = (): PlacedEntry[] =>
  placeFirstCrawl(
    'abcdefghi'.split('').map((p) => file(p)),
    { groupSize: 3 },
  ).added;

describe('group size', () => {
  it.each([0, -1, 1.5, Number.NaN, MAX_GROUP_SIZE + 1])('refuses %s with BAD_INPUT', (size) => {
    expectCode(() => checkGroupSize(size), 'BAD_INPUT');
    expectCode(() => mergeCrawl([], [file('a')], { groupSize: size }), 'BAD_INPUT');
  });
  it('accepts 1 and the maximum', () => {
    expect(checkGroupSize(1)).toBe(1);
    expect(checkGroupSize(MAX_GROUP_SIZE)).toBe(MAX_GROUP_SIZE);
  });
});

describe('first crawl', () => {
  it('fills groups in listing order, at most groupSize each', () => {
    const edits = placeFirstCrawl(
      'abcdefg'.split('').map((p) => file(p)),
      { groupSize: 3 },
    );
    expect(edits.added.map((p) => `${p.entry.path}${p.group}`)).toEqual([
      'a0',
      'b0',
      'c0',
      'd1',
      'e1',
      'f1',
      'g2',
    ]);
    expect(edits.groupCounts).toEqual([3, 3, 1]);
    expect(edits.changed).toEqual([]);
    expect(edits.removed).toEqual([]);
    expect(edits.unchanged).toBe(0);
  });
  it('of an empty listing has no groups', () => {
    expect(placeFirstCrawl([], { groupSize: 3 }).groupCounts).toEqual([]);
  });
});

describe('stable groups on a re-crawl', () => {
  it('keeps every existing path in its group whatever the listing order', () => {
    const old = nine();
    const fresh = old.map((p) => p.entry).reverse();
    const edits = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(edits.unchanged).toBe(9);
    expect([...edits.added, ...edits.changed, ...edits.updated, ...edits.removed]).toEqual([]);
    expect(edits.groupCounts).toEqual([3, 3, 3]);
  });

  it('keeps a changed path in its group', () => {
    const old = nine();
    const fresh = old.map((p) => (p.entry.path === 'e' ? file('e', { size: 11 }) : p.entry));
    const edits = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(edits.changed).toEqual([{ group: 1, entry: file('e', { size: 11 }) }]);
  });

  it('puts new paths in the last open group, then in new groups', () => {
    const old = placeFirstCrawl(
      'abcdefg'.split('').map((p) => file(p)),
      { groupSize: 3 },
    ).added;
    const fresh = [...old.map((p) => p.entry), ...'wxyz'.split('').map((p) => file(p))];
    const edits = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(edits.added.map((p) => `${p.entry.path}${p.group}`)).toEqual(['w2', 'x2', 'y3', 'z3']);
    expect(edits.groupCounts).toEqual([3, 3, 3, 2]);
  });

  it('never refills a hole in an earlier group', () => {
    const old = nine();
    const fresh = old.map((p) => p.entry).filter((e) => e.path !== 'b' && e.path !== 'e');
    fresh.push(file('new1'), file('new2'));
    const edits = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(edits.removed).toEqual([
      { path: 'b', group: 0 },
      { path: 'e', group: 1 },
    ]);
    expect(edits.added.map((p) => p.group)).toEqual([3, 3]);
    expect(edits.groupCounts).toEqual([2, 2, 3, 2]);
  });

  it('counts room freed in the last group itself (documented rule)', () => {
    const old = nine();
    const fresh = old.map((p) => p.entry).filter((e) => e.path !== 'h');
    fresh.push(file('new'));
    const edits = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(edits.added).toEqual([{ group: 2, entry: file('new') }]);
    expect(edits.groupCounts).toEqual([3, 3, 3]);
  });

  it('keeps a group emptied by removals as a zero count, so later numbers never shift', () => {
    const old = nine();
    const fresh = old.map((p) => p.entry).filter((e) => !'def'.includes(e.path));
    const edits = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(paths(edits.removed)).toEqual(['d', 'e', 'f']);
    expect(edits.groupCounts).toEqual([3, 0, 3]);
    const again = mergeCrawl([...apply(old, edits).values()], [...fresh, file('new')], { groupSize: 3 });
    expect(again.added).toEqual([{ group: 3, entry: file('new') }]);
    expect(again.groupCounts).toEqual([3, 0, 3, 1]);
  });

  it('keeps the last group last when a crawl emptied it: new paths do not refill an earlier group', () => {
    const old = nine();
    const fresh = old.map((p) => p.entry).filter((e) => !'eghi'.includes(e.path));
    const emptied = mergeCrawl(old, fresh, { groupSize: 3 });
    expect(emptied.groupCounts).toEqual([3, 2, 0]);
    const stored = [...apply(old, emptied).values()];
    // The stored entries alone end at group 1; the index says the catalog has 3 groups.
    const again = mergeCrawl(stored, [...fresh, file('new')], { groupSize: 3, groupCount: 3 });
    expect(again.added).toEqual([{ group: 2, entry: file('new') }]);
    expect(again.groupCounts).toEqual([3, 2, 1]);
  });

  it('treats a path that comes back after a removal as new (last group, not its old one)', () => {
    const old = nine();
    const without = mergeCrawl(
      old,
      old.map((p) => p.entry).filter((e) => e.path !== 'a'),
      { groupSize: 3 },
    );
    const back = mergeCrawl(
      [...apply(old, without).values()],
      old.map((p) => p.entry),
      { groupSize: 3 },
    );
    expect(back.added).toEqual([{ group: 3, entry: file('a') }]);
  });
});

describe('mergeCrawl classification', () => {
  const hashed = (path: string, digit: string, over: Partial<Entry> = {}) =>
    file(path, { hash: md5(digit), hashType: 'md5', ...over });

  it('returns exactly the changed, updated, removed and added paths', () => {
    const old = placeFirstCrawl(
      [
        file('same'),
        hashed('same-hash', 'a'),
        hashed('hash-new-mtime', 'a'),
        file('grown'),
        file('touched'),
        hashed('rehashed', 'a'),
        file('gone'),
        { path: 'dir', size: 0, mtime: 1, isDir: true },
        file('became-dir'),
      ],
      { groupSize: 4 },
    ).added;
    const fresh = [
      file('same'),
      hashed('same-hash', 'a'),
      hashed('hash-new-mtime', 'a', { mtime: 5000 }),
      file('grown', { size: 11 }),
      file('touched', { mtime: 2000 }),
      hashed('rehashed', 'b'),
      { path: 'dir', size: 0, mtime: 99, isDir: true },
      { path: 'became-dir', size: 0, mtime: 1000, isDir: true },
      file('brand-new'),
    ];
    const edits = mergeCrawl(old, fresh, { groupSize: 4 });
    expect(paths(edits.changed)).toEqual(['became-dir', 'grown', 'rehashed', 'touched']);
    expect(paths(edits.updated)).toEqual(['dir', 'hash-new-mtime']);
    expect(edits.removed).toEqual([{ path: 'gone', group: 1 }]);
    expect(edits.added).toEqual([{ group: 2, entry: file('brand-new') }]);
    expect(edits.unchanged).toBe(2);
  });

  it('counts same size and mtime without a hash as unchanged', () => {
    const edits = mergeCrawl([{ group: 0, entry: file('a') }], [file('a')], { groupSize: 2 });
    expect(edits.unchanged).toBe(1);
  });

  it('counts the same hash as the same version even when size or mtime moved', () => {
    const old = [{ group: 0, entry: hashed('a', 'c') }];
    const edits = mergeCrawl(old, [hashed('a', 'c', { mtime: 7, size: 12 })], { groupSize: 2 });
    expect(edits.changed).toEqual([]);
    expect(edits.updated).toEqual([{ group: 0, entry: hashed('a', 'c', { mtime: 7, size: 12 }) }]);
  });

  it('sees a hash appearing, or a different hash type, as a new version', () => {
    const old = [
      { group: 0, entry: file('plain') },
      { group: 0, entry: hashed('typed', 'd') },
    ];
    const fresh = [hashed('plain', 'd'), file('typed', { hash: 'd'.repeat(40), hashType: 'sha1' })];
    expect(paths(mergeCrawl(old, fresh, { groupSize: 2 }).changed)).toEqual(['plain', 'typed']);
    const sameHexOtherType = [file('typed', { hash: md5('d'), hashType: 'quickxor' })];
    const edits = mergeCrawl([old[1] as PlacedEntry], sameHexOtherType, { groupSize: 2 });
    expect(paths(edits.changed)).toEqual(['typed']);
  });

  it('refuses a listing or a catalog that names a path twice, with DUPLICATE_PATH', () => {
    const old = nine();
    expectCode(() => mergeCrawl(old, [file('a'), file('a')], { groupSize: 3 }), 'DUPLICATE_PATH');
    expectCode(() => mergeCrawl(old, [file('new'), file('new')], { groupSize: 3 }), 'DUPLICATE_PATH');
    expectCode(
      () =>
        mergeCrawl(
          [
            { group: 0, entry: file('x') },
            { group: 1, entry: file('x') },
          ],
          [],
          { groupSize: 3 },
        ),
      'DUPLICATE_PATH',
    );
  });

  it('never changes its inputs and accepts any iterable', () => {
    const old = nine().map((p) => Object.freeze({ group: p.group, entry: Object.freeze(p.entry) }));
    Object.freeze(old);
    function* listing() {
      yield file('a', { size: 99 });
      yield file('z');
    }
    const edits = mergeCrawl(new Set(old), listing(), { groupSize: 3 });
    expect(paths(edits.changed)).toEqual(['a']);
    expect(paths(edits.added)).toEqual(['z']);
    expect(edits.removed).toHaveLength(8);
  });

  it('takes a streamed listing one entry at a time (CrawlMerge) and refuses use after finish', () => {
    const merge = new CrawlMerge(nine(), { groupSize: 3 });
    merge.add(file('a', { size: 99 }));
    merge.add(file('b'));
    merge.add(file('z'));
    expectCode(() => merge.add(file('b')), 'DUPLICATE_PATH');
    const edits = merge.finish();
    expect(paths(edits.changed)).toEqual(['a']);
    expect(edits.unchanged).toBe(1);
    expect(paths(edits.added)).toEqual(['z']);
    expect(edits.removed).toHaveLength(7);
    expectCode(() => merge.add(file('y')), 'INTERNAL');
    expectCode(() => merge.finish(), 'INTERNAL');
  });

  it('holds its rules on random catalogs and listings (seeded; a failure names its seed)', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rng = seededRandom(seed);
      const groupSize = 1 + rng.int(5);
      const pool = Array.from({ length: 30 }, (_, i) => `p${i}`);
      const randomEntry = (path: string): Entry =>
        rng.chance(0.1)
          ? { path, size: 0, mtime: rng.int(3), isDir: true }
          : rng.chance(0.5)
            ? file(path, { size: rng.int(3), mtime: rng.int(3) })
            : file(path, { hash: md5(String(rng.int(3))), hashType: 'md5', mtime: rng.int(3) });
      const old = placeFirstCrawl(rng.shuffle(pool).slice(0, rng.int(25)).map(randomEntry), {
        groupSize,
      }).added;
      const oldByPath = new Map(old.map((p) => [p.entry.path, p]));
      const fresh = rng.shuffle(pool).slice(0, rng.int(30));
      const freshEntries = fresh.map((path) => {
        const before = oldByPath.get(path);
        return before !== undefined && rng.chance(0.5) ? { ...before.entry } : randomEntry(path);
      });
      const edits = mergeCrawl(old, freshEntries, { groupSize });
      const where = `seed ${seed}`;

      // Old paths: kept ones stay in their group, classified by version, then by metadata.
      const classified = new Map<string, string>();
      for (const p of edits.changed) classified.set(p.entry.path, `changed${p.group}`);
      for (const p of edits.updated) classified.set(p.entry.path, `updated${p.group}`);
      for (const p of edits.removed) classified.set(p.path, `removed${p.group}`);
      let unchanged = 0;
      for (const entry of freshEntries) {
        const before = oldByPath.get(entry.path);
        if (before === undefined) continue;
        const same = JSON.stringify(before.entry) === JSON.stringify(entry);
        const expected = version(before.entry) !== version(entry) ? 'changed' : same ? undefined : 'updated';
        if (expected === undefined) unchanged++;
        expect(classified.get(entry.path), where).toBe(
          expected === undefined ? undefined : `${expected}${before.group}`,
        );
      }
      expect(edits.unchanged, where).toBe(unchanged);
      const freshSet = new Set(fresh);
      expect(paths(edits.removed), where).toEqual(
        old
          .map((p) => p.entry.path)
          .filter((path) => !freshSet.has(path))
          .sort(),
      );

      // New paths: listing order, never below the last group holding an old entry, each group
      // filled to groupSize before the next one is opened.
      expect(paths(edits.added), where).toEqual(fresh.filter((path) => !oldByPath.has(path)).sort());
      const after = apply(old, edits);
      const counts: number[] = [];
      for (const { group } of after.values()) counts[group] = (counts[group] ?? 0) + 1;
      for (let g = 0; g < counts.length; g++) counts[g] ??= 0;
      const lastOld = old.reduce((max, p) => Math.max(max, p.group), 0);
      const addedGroups = edits.added.map((p) => p.group);
      for (let i = 0; i < addedGroups.length; i++) {
        const group = addedGroups[i] as number;
        expect(group, where).toBeGreaterThanOrEqual(old.length === 0 ? 0 : lastOld);
        if (i > 0) expect(group, where).toBeGreaterThanOrEqual(addedGroups[i - 1] as number);
        if (i < addedGroups.length - 1 && addedGroups[i + 1] !== group)
          expect(counts[group], where).toBe(groupSize);
      }
      expect(Math.max(0, ...counts), where).toBeLessThanOrEqual(groupSize);
      expect(edits.groupCounts.slice(0, counts.length), where).toEqual(counts);
      expect(
        edits.groupCounts.slice(counts.length).every((n) => n === 0),
        where,
      ).toBe(true);
    }
  });
});

describe('fetched is derived, never stored', () => {
  it('follows the version across a re-crawl with no fetched flag anywhere', () => {
    const old = placeFirstCrawl(
      [file('keep'), file('edit'), file('drop'), file('touch', { hash: md5('1'), hashType: 'md5' })],
      {
        groupSize: 10,
      },
    ).added;
    const doc = new Y.Doc();
    writeEntries(
      doc,
      old.map((p) => p.entry),
    );
    for (const { entry } of old) writeReceipt(doc, 'disk1', entry.path, version(entry));
    expect([...fetchedPaths(doc, 'disk1')].sort()).toEqual(['drop', 'edit', 'keep', 'touch']);

    const fresh = [
      file('keep'),
      file('edit', { size: 20 }),
      file('touch', { hash: md5('1'), hashType: 'md5', mtime: 3 }),
      file('add'),
    ];
    const edits = mergeCrawl(old, fresh, { groupSize: 10 });
    expect(Object.keys(edits).sort()).toEqual([
      'added',
      'changed',
      'groupCounts',
      'removed',
      'unchanged',
      'updated',
    ]);
    writeEntries(
      doc,
      [...edits.added, ...edits.changed, ...edits.updated].map((p) => p.entry),
    );
    removeEntries(
      doc,
      edits.removed.map((r) => r.path),
    );

    expect([...fetchedPaths(doc, 'disk1')].sort()).toEqual(['keep', 'touch']);
    const receipts = doc.getMap<string>('receipts/disk1');
    for (const entry of readEntries(doc))
      expect(fetched(entry, receipts.get(entry.path))).toBe(fetchedPaths(doc, 'disk1').has(entry.path));
    // What the document holds: entries (size, mtime, hash fields) and receipts (version strings).
    expect([...doc.share.keys()].sort()).toEqual(['entries', 'receipts/disk1']);
    const stored = doc.getMap('entries').toJSON() as Record<string, Record<string, unknown>>;
    for (const fields of Object.values(stored))
      for (const key of Object.keys(fields)) expect(['s', 'm', 'h', 't', 'd']).toContain(key);
    for (const value of receipts.values()) expect(typeof value).toBe('string');
  });
});

describe('the worked re-crawl of docs/model.md', () => {
  it('gives the groups, edits and due lists the page shows', () => {
    const A = md5('a');
    const hashedFile = (path: string, size: number, mtime: number, hash: string): Entry => ({
      path,
      size,
      mtime,
      isDir: false,
      hash,
      hashType: 'md5',
    });
    const first = placeFirstCrawl(
      [
        hashedFile('a.jpg', 300, 1000, A),
        hashedFile('b.jpg', 400, 1000, md5('b')),
        file('notes/c.txt', { size: 10 }),
        file('notes/d.txt', { size: 20 }),
        file('notes/e.txt', { size: 30 }),
      ],
      { groupSize: 3 },
    ).added;
    expect(first.map((p) => `${p.entry.path}:${p.group}`)).toEqual([
      'a.jpg:0',
      'b.jpg:0',
      'notes/c.txt:0',
      'notes/d.txt:1',
      'notes/e.txt:1',
    ]);
    const docs = [new Y.Doc(), new Y.Doc(), new Y.Doc()];
    for (const { group, entry } of first) {
      writeEntries(docs[group] as Y.Doc, [entry]);
      writeReceipt(docs[group] as Y.Doc, 'pi4', entry.path, version(entry));
    }

    const edits = mergeCrawl(
      first,
      [
        hashedFile('a.jpg', 300, 5000, A),
        hashedFile('b.jpg', 410, 6000, md5('c')),
        file('notes/c.txt', { size: 10 }),
        file('notes/e.txt', { size: 30 }),
        file('notes/f.txt', { size: 40, mtime: 7000 }),
        file('notes/g.txt', { size: 50, mtime: 7000 }),
        file('notes/h.txt', { size: 60, mtime: 7000 }),
      ],
      { groupSize: 3 },
    );
    const show = (list: PlacedEntry[]) => list.map((p) => `${p.entry.path}:${p.group}`);
    expect(edits.unchanged).toBe(2);
    expect(show(edits.updated)).toEqual(['a.jpg:0']);
    expect(show(edits.changed)).toEqual(['b.jpg:0']);
    expect(edits.removed).toEqual([{ path: 'notes/d.txt', group: 1 }]);
    expect(show(edits.added)).toEqual(['notes/f.txt:1', 'notes/g.txt:1', 'notes/h.txt:2']);

    for (const { group, entry } of [...edits.added, ...edits.changed, ...edits.updated])
      writeEntries(docs[group] as Y.Doc, [entry]);
    for (const { group, path } of edits.removed) removeEntries(docs[group] as Y.Doc, [path]);
    expect(docs.map((doc) => dueEntries(doc, 'pi4').map((e) => e.path))).toEqual([
      ['b.jpg'],
      ['notes/f.txt', 'notes/g.txt'],
      ['notes/h.txt'],
    ]);
    expect(docs.map((doc) => deletedUpstream(doc, 'pi4'))).toEqual([[], ['notes/d.txt'], []]);
  });
});
