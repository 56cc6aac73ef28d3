import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Entry,
  entriesMap,
  groupDocName,
  groupTwinsMap,
  indexDocName,
  type Provider,
  readCrawlState,
  readEntries,
  readGroupSummaries,
  readMeta,
  readReceipt,
  readTwinNames,
  version,
  writeEntries,
  writeReceipt,
} from '@ferry/core';
import { LocalProvider, MemoryProvider } from '@ferry/core/providers';
import { describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { type CrawlOptions, crawlContainer } from './crawl.js';
import { MapDocs } from './testing.js';

const encoder = new TextEncoder();
const NOW = 1_750_000_000_000;
const MD5_ABC = '900150983cd24fb0d6963f7d28e17f72';

/** A memory account: `files` files in two folders, mtimes fixed so versions are stable. */
function account(files: number): MemoryProvider {
  const provider = new MemoryProvider();
  for (let i = 0; i < files; i++)
    provider.put(
      `docs/${i % 2 === 0 ? 'even' : 'odd'}/file-${String(i).padStart(3, '0')}.txt`,
      encoder.encode(`body ${i}`),
      {
        mtime: 1_600_000_000_000 + i * 1000,
      },
    );
  return provider;
}

function options(provider: Provider, docs: MapDocs, extra: Partial<CrawlOptions> = {}): CrawlOptions {
  let now = NOW;
  return {
    container: {
      name: 'photos',
      groupSize: 10,
      account: 'acct',
      device: 'disk1',
      crawlIntervalMs: 3_600_000,
    },
    provider,
    folder: 'docs',
    docs,
    clock: () => (now += 1000),
    ...extra,
  };
}

/** The whole catalog as path → {group, entry}, read back from the group docs the index names. */
async function catalog(
  docs: MapDocs,
  name = 'photos',
): Promise<Map<string, { group: number; entry: Entry }>> {
  const index = await docs.get(indexDocName(name));
  const out = new Map<string, { group: number; entry: Entry }>();
  const summaries = readGroupSummaries(index);
  for (let group = 0; group < summaries.length; group++) {
    const doc = await docs.get(groupDocName(name, group));
    for (const entry of readEntries(doc)) {
      expect(out.has(entry.path)).toBe(false);
      out.set(entry.path, { group, entry });
    }
    expect(summaries[group]?.files).toBe(entriesMap(doc).size);
  }
  return out;
}

async function listAll(provider: Provider, folder: string): Promise<Entry[]> {
  const out: Entry[] = [];
  for await (const entry of provider.list(folder)) out.push(entry);
  return out;
}

/** Wraps a real provider: its listing fails (or turns bad) after `k` entries. */
function breakListing(provider: Provider, k: number, how: (entry: Entry) => Entry | never): Provider {
  return {
    name: provider.name,
    capabilities: provider.capabilities,
    stat: (path, opts) => provider.stat(path, opts),
    read: (path, opts) => provider.read(path, opts),
    async *list(folder, opts) {
      let n = 0;
      for await (const entry of provider.list(folder, opts)) yield n++ === k ? how(entry) : entry;
    },
  };
}

function snapshotGroups(docs: MapDocs): Map<string, Uint8Array> {
  return docs.snapshot('c/photos/g/');
}

describe('crawlContainer', () => {
  it('first crawl: every listed entry lands in stable groups, with summaries, crawl state and meta', async () => {
    const provider = account(25);
    const docs = new MapDocs();
    const listed = await listAll(provider, 'docs');
    const result = await crawlContainer(options(provider, docs));

    expect(result).toMatchObject({
      container: 'photos',
      added: listed.length,
      changed: 0,
      removed: 0,
      unchanged: 0,
    });
    expect(result.files).toBe(listed.length); // 25 files + 2 folders
    expect(result.groups).toBe(3);
    expect(result.groupsTouched).toEqual([0, 1, 2]);
    expect(result.generation).toBe(1);
    expect(result.durationMs).toBe(result.endedAt - result.startedAt);

    const stored = await catalog(docs);
    expect([...stored.keys()].sort()).toEqual(listed.map((entry) => entry.path).sort());
    for (const entry of listed) expect(stored.get(entry.path)?.entry).toEqual(entry);

    const index = await docs.get(indexDocName('photos'));
    const summaries = readGroupSummaries(index);
    expect(summaries.map((summary) => summary.files)).toEqual([10, 10, 7]);
    expect(summaries.reduce((sum, summary) => sum + summary.bytes, 0)).toBe(
      listed.reduce((sum, entry) => sum + entry.size, 0),
    );
    expect(result.bytes).toBe(summaries.reduce((sum, summary) => sum + summary.bytes, 0));
    expect(summaries.every((summary) => summary.generation === 1)).toBe(true);
    const state = readCrawlState(index);
    expect(state).toMatchObject({
      generation: 1,
      running: false,
      lastCrawlStart: result.startedAt,
      lastCrawlEnd: result.endedAt,
      lastChanges: { added: 27, changed: 0, updated: 0, removed: 0, unchanged: 0 },
    });
    expect(state.lastError).toBeUndefined();
    expect(readMeta(index)).toEqual({
      container: 'photos',
      account: 'acct',
      device: 'disk1',
      folder: 'docs',
      groupSize: 10,
      crawlIntervalMs: 3_600_000,
    });
  });

  it('re-crawl merges: changed in place, removed, added to the last group; other groups untouched', async () => {
    const provider = account(25);
    const docs = new MapDocs();
    await crawlContainer(options(provider, docs));
    const before = await catalog(docs);
    // A device holds everything; receipts must survive the re-crawl.
    for (const [path, { group, entry }] of before)
      writeReceipt(await docs.get(groupDocName('photos', group)), 'disk1', path, version(entry));

    // Catalog paths are relative to the container folder 'docs'.
    const edited = 'odd/file-003.txt';
    const touchedOnly = 'odd/file-007.txt'; // same bytes, new mtime: same md5 version
    const gone = 'odd/file-009.txt';
    provider.put(`docs/${edited}`, encoder.encode('new body'), { mtime: 1_700_000_000_000 });
    provider.put(`docs/${touchedOnly}`, encoder.encode('body 7'), { mtime: 1_700_000_000_000 });
    provider.remove(`docs/${gone}`);
    provider.put('docs/new/a.txt', encoder.encode('a'), { mtime: 1_700_000_000_000 });
    provider.put('docs/new/b.txt', encoder.encode('b'), { mtime: 1_700_000_000_000 });
    // Listing order puts these three in group 1 and the new paths go to the last group (2).
    for (const path of [edited, touchedOnly, gone]) expect(before.get(path)?.group).toBe(1);
    const untouchedGroups = [0];
    const untouchedBefore = new Map(
      [...untouchedGroups].map((group) => [
        group,
        docs.snapshot(groupDocName('photos', group)).get(groupDocName('photos', group)),
      ]),
    );

    const result = await crawlContainer(options(provider, docs));
    expect(result).toMatchObject({ added: 3, changed: 1, updated: 1, removed: 1, generation: 2 });
    expect(result.unchanged).toBe(before.size - 3);

    const after = await catalog(docs);
    for (const [path, { group }] of before) if (path !== gone) expect(after.get(path)?.group).toBe(group);
    expect(after.has(gone)).toBe(false);
    expect(after.get(edited)?.entry.size).toBe(8);
    expect(after.get(touchedOnly)?.entry.mtime).toBe(1_700_000_000_000);
    // The three new paths ('docs/new' and its two files) fill the last group (7 → 10).
    for (const path of ['new', 'new/a.txt', 'new/b.txt']) expect(after.get(path)?.group).toBe(2);
    // The disk keeps the deleted file's receipt; the edited file's receipt no longer matches.
    const goneGroup = before.get(gone)?.group ?? -1;
    expect(readReceipt(await docs.get(groupDocName('photos', goneGroup)), 'disk1', gone)).toBeDefined();
    const editedDoc = await docs.get(groupDocName('photos', after.get(edited)?.group ?? -1));
    expect(readReceipt(editedDoc, 'disk1', edited)).not.toBe(version(after.get(edited)?.entry as Entry));

    const summaries = readGroupSummaries(await docs.get(indexDocName('photos')));
    for (const [group, bytes] of untouchedBefore) {
      expect(docs.snapshot(groupDocName('photos', group)).get(groupDocName('photos', group))).toEqual(bytes);
      expect(summaries[group]?.generation).toBe(1);
    }
    for (const group of result.groupsTouched) expect(summaries[group]?.generation).toBe(2);
    expect(result.groupsTouched).toContain(2);
  });

  it('a re-crawl that finds nothing new leaves every group doc byte-identical and the generation as it was', async () => {
    const provider = account(25);
    const docs = new MapDocs();
    await crawlContainer(options(provider, docs));
    const groups = snapshotGroups(docs);
    const result = await crawlContainer(options(provider, docs));
    expect(result).toMatchObject({
      added: 0,
      changed: 0,
      updated: 0,
      removed: 0,
      unchanged: 27,
      generation: 1,
    });
    expect(result.groupsTouched).toEqual([]);
    expect(snapshotGroups(docs)).toEqual(groups);
  });

  it('a listing that fails midway changes no entry and no summary, and records lastError', async () => {
    const provider = account(25);
    const docs = new MapDocs();
    await crawlContainer(options(provider, docs));
    provider.put('docs/odd/file-001.txt', encoder.encode('changed'));
    provider.remove('docs/even/file-000.txt');
    const groups = snapshotGroups(docs);
    const index = await docs.get(indexDocName('photos'));
    const summaries = readGroupSummaries(index);

    const failing = breakListing(provider, 20, () => {
      throw new Error('connection reset by peer');
    });
    const crawl = crawlContainer(options(failing, docs, { clock: () => NOW + 99 }));
    await expect(crawl).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(snapshotGroups(docs)).toEqual(groups);
    expect(readGroupSummaries(index)).toEqual(summaries);
    const state = readCrawlState(index);
    expect(state.lastError).toMatch(/^FERRY_INTERNAL: listing the crawl failed: connection reset by peer/);
    expect(state).toMatchObject({ lastErrorAt: NOW + 99, running: false, generation: 1 });

    // A provider's own typed error is recorded with its code.
    provider.setFaults({ transient: { every: 1, operations: ['list'] } });
    await expect(crawlContainer(options(provider, docs))).rejects.toMatchObject({ code: 'TRANSIENT' });
    expect(readCrawlState(index).lastError).toMatch(/^FERRY_TRANSIENT: /);
    expect(snapshotGroups(docs)).toEqual(groups);

    // The next good crawl applies everything and clears the error.
    provider.setFaults({});
    const result = await crawlContainer(options(provider, docs));
    expect(result).toMatchObject({ changed: 1, removed: 1, generation: 2 });
    expect(readCrawlState(index).lastError).toBeUndefined();
    expect(readCrawlState(index).lastErrorAt).toBeUndefined();
  });

  it('refuses the whole crawl on a malformed entry (BAD_ENTRY naming it) or a path listed twice', async () => {
    const provider = account(6);
    const docs = new MapDocs();
    await crawlContainer(options(provider, docs));
    provider.put('docs/odd/file-001.txt', encoder.encode('changed'));
    const groups = snapshotGroups(docs);
    const index = await docs.get(indexDocName('photos'));

    const negative = breakListing(provider, 3, (entry) => ({ ...entry, size: -5 }));
    const refused = crawlContainer(options(negative, docs));
    await expect(refused).rejects.toMatchObject({ code: 'BAD_ENTRY' });
    await expect(refused).rejects.toThrow(/^entry 'even\/file-004.txt': size must be/);
    expect(readCrawlState(index).lastError).toMatch(/^FERRY_BAD_ENTRY: entry '.+': size must be/);
    expect(snapshotGroups(docs)).toEqual(groups);

    const twice = breakListing(provider, 5, () => ({ path: 'odd', size: 0, mtime: 1, isDir: true }));
    await expect(crawlContainer(options(twice, docs))).rejects.toMatchObject({ code: 'DUPLICATE_PATH' });
    expect(snapshotGroups(docs)).toEqual(groups);
  });

  it('an aborted crawl changes nothing; bad container names and group sizes are refused before any doc is touched', async () => {
    const provider = account(6);
    const docs = new MapDocs();
    const controller = new AbortController();
    const aborting = breakListing(provider, 2, (entry) => {
      controller.abort();
      return entry;
    });
    await expect(
      crawlContainer(options(aborting, docs, { signal: controller.signal })),
    ).rejects.toMatchObject({
      code: 'TRANSIENT',
    });
    expect(snapshotGroups(docs).size).toBe(0);
    expect(readCrawlState(await docs.get(indexDocName('photos'))).lastError).toMatch(
      /^FERRY_TRANSIENT: the crawl was stopped/,
    );

    const fresh = new MapDocs();
    await expect(
      crawlContainer(options(provider, fresh, { container: { name: '../x', groupSize: 10 } })),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(
      crawlContainer(options(provider, fresh, { container: { name: 'photos', groupSize: 0 } })),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(fresh.docs.size).toBe(0);
  });

  it('a local account whose folder is gone fails with NOT_FOUND, recorded, nothing written', async () => {
    const root = await mkdtemp(join(tmpdir(), 'ferry-crawl-'));
    try {
      await mkdir(join(root, 'docs'));
      await writeFile(join(root, 'docs', 'a.txt'), 'a');
      const docs = new MapDocs();
      const provider = new LocalProvider({ root });
      expect((await crawlContainer(options(provider, docs))).added).toBe(1);
      const groups = snapshotGroups(docs);
      await rm(join(root, 'docs'), { recursive: true });
      await expect(crawlContainer(options(provider, docs))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(snapshotGroups(docs)).toEqual(groups);
      const index = await docs.get(indexDocName('photos'));
      expect(readCrawlState(index).lastError).toMatch(/^FERRY_NOT_FOUND: /);
      expect(readGroupSummaries(index)).toEqual([{ files: 1, bytes: 1, generation: 1 }]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('finds entries an earlier, broken-off crawl wrote past the index list (no path in two groups)', async () => {
    const provider = account(10);
    const docs = new MapDocs();
    await crawlContainer(options(provider, docs)); // 12 entries: groups 0 (10) and 1 (2)
    // As if a crawl had written a new group 2 and stopped before the index doc.
    const strayGroup: Y.Doc = await docs.get(groupDocName('photos', 2));
    const stray: Entry = {
      path: 'stray.txt',
      size: 3,
      mtime: 1,
      hash: MD5_ABC,
      hashType: 'md5',
      isDir: false,
    };
    writeEntries(strayGroup, [stray]);
    provider.put('docs/stray.txt', encoder.encode('abc'), { mtime: 1 });

    const result = await crawlContainer(options(provider, docs));
    // stray.txt was found in group 2 (unchanged there), not added again elsewhere.
    expect(result).toMatchObject({ added: 0, unchanged: 13, groups: 3 });
    const summaries = readGroupSummaries(await docs.get(indexDocName('photos')));
    expect(summaries.map((summary) => summary.files)).toEqual([10, 2, 1]);
    expect((await catalog(docs)).get('stray.txt')?.group).toBe(2);
  });
});

describe('twins', () => {
  it('names the paths that share a disk name with another, and keeps a given name across crawls', async () => {
    const provider = account(2);
    provider.put('docs/a.txt', encoder.encode('lower'), { mtime: 1_600_000_000_000 });
    const docs = new MapDocs();
    await crawlContainer(options(provider, docs));
    const index = await docs.get(indexDocName('photos'));
    expect(readTwinNames(index).size).toBe(0);

    // A case twin arrives: the file already listed keeps its plain name, the newcomer is named.
    provider.put('docs/A.txt', encoder.encode('upper'), { mtime: 1_600_000_000_000 });
    await crawlContainer(options(provider, docs));
    const names = readTwinNames(index);
    expect(names.get('a.txt')).toBe('');
    expect(names.get('A.txt')).toMatch(/^A~[0-9a-f]{8}\.txt$/);

    // The group doc holding the newcomer carries its name, written with the entry.
    const holder = await docs.get(groupDocName('photos', 0));
    expect(groupTwinsMap(holder).toJSON()).toEqual({ 'A.txt': names.get('A.txt') });

    // The plain one goes: the named one keeps its name (a disk holds it there), the other leaves.
    provider.remove('docs/a.txt');
    await crawlContainer(options(provider, docs));
    expect(readTwinNames(index)).toEqual(new Map([['A.txt', names.get('A.txt')]]));
    provider.remove('docs/A.txt');
    await crawlContainer(options(provider, docs));
    expect(readTwinNames(index).size).toBe(0);
  });
});
