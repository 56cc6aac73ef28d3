import { mkdir, mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  entriesMap,
  groupDocName,
  indexDocName,
  readCrawlState,
  readGroupSummaries,
  type StoredEntry,
} from '@ferry/core';
import { LocalProvider } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { crawlContainer } from './crawl.js';
import { MapDocs } from './testing.js';

/**
 * The relay issue's done-when test: a `local` account of 10,000 real files in nested folders,
 * crawled, changed by 1% (34 edited, 33 deleted, 33 added), re-crawled; exactly those entries
 * change in the group docs, every other entry stays byte-identical and no path moves group.
 */
const FILES = 10_000;
const GROUP_SIZE = 1000;
/** All folders get this mtime after setup, so a folder whose content changes visibly moves. */
const OLD_TIME = new Date('2024-01-01T00:00:00Z');

const filePath = (i: number): string => `a${Math.floor(i / 1000)}/b${Math.floor(i / 100) % 10}/f${i}.txt`;
const folderOf = (path: string): string => path.slice(0, path.lastIndexOf('/'));

const edited = range(FILES)
  .filter((i) => i % 300 === 7)
  .map(filePath);
const deleted = range(FILES)
  .filter((i) => i % 300 === 157)
  .map(filePath);
const added = range(33).map((k) => `${folderOf(filePath(k * 300 + 50))}/new-${k}.txt`);

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

type Catalog = Map<string, { group: number; stored: string }>;

/** path → {group, the stored entry as JSON}, plus each group doc's full encoded state. */
async function readCatalog(docs: MapDocs): Promise<{ catalog: Catalog; states: Map<number, Uint8Array> }> {
  const summaries = readGroupSummaries(await docs.get(indexDocName('home')));
  const catalog: Catalog = new Map();
  const states = new Map<number, Uint8Array>();
  for (let group = 0; group < summaries.length; group++) {
    const doc = await docs.get(groupDocName('home', group));
    states.set(group, Y.encodeStateAsUpdate(doc));
    for (const [path, stored] of entriesMap(doc) as Y.Map<StoredEntry>) {
      expect(catalog.has(path), `${path} in two groups`).toBe(false);
      catalog.set(path, { group, stored: JSON.stringify(stored) });
    }
  }
  return { catalog, states };
}

const sorted = (paths: Iterable<string>): string[] => [...paths].sort();

describe('crawl of a local account with 10,000 files', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ferry-crawl-10k-'));
    const folders = new Set(range(FILES).map((i) => folderOf(filePath(i))));
    for (const folder of folders) await mkdir(join(root, folder), { recursive: true });
    for (let i = 0; i < FILES; i += 500)
      await Promise.all(
        range(Math.min(500, FILES - i)).map((k) => writeFile(join(root, filePath(i + k)), `file ${i + k}\n`)),
      );
    for (const folder of [...folders, ...new Set([...folders].map((f) => f.split('/')[0] as string))])
      await utimes(join(root, folder), OLD_TIME, OLD_TIME);
  }, 60_000);

  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('re-crawl after a 1% change edits exactly the changed entries, keeps groups stable', async () => {
    const docs = new MapDocs();
    const provider = new LocalProvider({ root });
    let now = 1_750_000_000_000;
    const crawl = () =>
      crawlContainer({
        container: { name: 'home', groupSize: GROUP_SIZE },
        provider,
        folder: '',
        docs,
        clock: () => (now += 1000),
      });

    const first = await crawl();
    const entriesTotal = FILES + 10 + 100; // files, a<k> folders, a<k>/b<j> folders
    expect(first).toMatchObject({ added: entriesTotal, files: entriesTotal, groups: 11, generation: 1 });
    const before = await readCatalog(docs);
    expect(before.catalog.size).toBe(entriesTotal);
    const lastGroupBefore = first.groups - 1;

    expect(new Set([...edited, ...deleted, ...added]).size).toBe(100);
    for (const path of edited) await writeFile(join(root, path), `edited ${path}\n`);
    for (const path of deleted) await unlink(join(root, path));
    for (const path of added) await writeFile(join(root, path), `added ${path}\n`);
    // Creating and deleting files moves their folders' mtimes: those folder entries are updated
    // (same version 'dir', new mtime), and nothing else.
    const movedFolders = new Set([...deleted, ...added].map(folderOf));

    const second = await crawl();
    expect(second).toMatchObject({
      added: 33,
      changed: 34,
      removed: 33,
      updated: movedFolders.size,
      unchanged: entriesTotal - 34 - 33 - movedFolders.size,
      files: entriesTotal,
      generation: 2,
    });

    const after = await readCatalog(docs);
    const changedPaths = new Set<string>();
    const removedPaths = new Set<string>();
    const addedPaths = new Set<string>();
    for (const [path, old] of before.catalog) {
      const now = after.catalog.get(path);
      if (now === undefined) removedPaths.add(path);
      else {
        // Groups are stable: no path moved.
        expect(now.group, path).toBe(old.group);
        if (now.stored !== old.stored) changedPaths.add(path);
      }
    }
    for (const [path, entry] of after.catalog)
      if (!before.catalog.has(path)) {
        addedPaths.add(path);
        // New paths go to the last group (its room) or to new groups after it.
        expect(entry.group).toBeGreaterThanOrEqual(lastGroupBefore);
      }

    expect(sorted(removedPaths)).toEqual(sorted(deleted));
    expect(sorted(addedPaths)).toEqual(sorted(added));
    expect(sorted(changedPaths)).toEqual(sorted([...edited, ...movedFolders]));
    for (const path of edited)
      expect(JSON.parse(after.catalog.get(path)?.stored ?? '{}').h).not.toBe(
        JSON.parse(before.catalog.get(path)?.stored ?? '{}').h,
      );

    // Group docs nothing happened to are byte-identical; touched ones carry the new generation.
    const touched = new Set(second.groupsTouched);
    const expectedTouched = new Set(
      [...edited, ...deleted, ...movedFolders].map((path) => before.catalog.get(path)?.group as number),
    );
    for (const path of added) expectedTouched.add(after.catalog.get(path)?.group as number);
    expect(sorted([...touched].map(String))).toEqual(sorted([...expectedTouched].map(String)));
    const summaries = readGroupSummaries(await docs.get(indexDocName('home')));
    for (const [group, state] of before.states)
      if (!touched.has(group)) {
        expect(after.states.get(group), `group ${group}`).toEqual(state);
        expect(summaries[group]?.generation).toBe(1);
      } else expect(summaries[group]?.generation).toBe(2);
    expect(readCrawlState(await docs.get(indexDocName('home'))).lastChanges).toEqual({
      added: 33,
      changed: 34,
      updated: movedFolders.size,
      removed: 33,
      unchanged: second.unchanged,
    });
  }, 120_000);
});
