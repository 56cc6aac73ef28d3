import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entriesMap, groupDocName, indexDocName, readGroupSummaries } from '@ferry/core';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRelayDb, type RelayDb } from '../db.js';
import { containerStatus } from '../status.js';
import { LevelDocStore } from '../sync/doc-store.js';
import { crawlContainer } from './crawl.js';

let dir: string;
let db: RelayDb;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-crawl-store-'));
  db = await openRelayDb(dir);
});

afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

function account(files: number): MemoryProvider {
  const provider = new MemoryProvider();
  for (let i = 0; i < files; i++)
    provider.put(`f/${String(i).padStart(4, '0')}.txt`, new TextEncoder().encode(`body ${i}`), {
      mtime: 1_600_000_000_000 + i,
    });
  return provider;
}

const crawl = (store: LevelDocStore, provider: MemoryProvider) =>
  crawlContainer({
    container: { name: 'box', groupSize: 10 },
    provider,
    folder: '',
    docs: store,
    clock: () => 1_750_000_000_000,
  });

describe('crawler on the relay LevelDocStore', () => {
  it('lets every group doc leave memory after a crawl, keeps the ones a websocket holds, stores all', async () => {
    const provider = account(95);
    let store = LevelDocStore.open(db);
    const held = await store.open(groupDocName('box', 3));
    const first = await crawl(store, provider);
    expect(first.groups).toBe(10);
    // A released doc leaves once its updates are written.
    await store.flush();
    const stillHeld = Array.from({ length: 10 }, (_, g) => store.isHeld(groupDocName('box', g)));
    // Only the doc a (pretend) websocket opened stays pinned; the crawler pinned none.
    expect(stillHeld).toEqual(stillHeld.map((_, g) => g === 3));

    // A re-crawl after changes reads and writes through released docs alike.
    provider.put('f/0005.txt', new TextEncoder().encode('edited'), { mtime: 1_700_000_000_000 });
    provider.remove('f/0042.txt');
    provider.put('f/new.txt', new TextEncoder().encode('new'), { mtime: 1_700_000_000_000 });
    const second = await crawl(store, provider);
    expect([second.changed, second.removed, second.added]).toEqual([1, 1, 1]);
    await store.flush();
    expect(
      Array.from({ length: 10 }, (_, g) => store.isHeld(groupDocName('box', g))).filter(Boolean),
    ).toEqual([true]);
    held.release();

    // Status counts fetched files from the group docs when the device sent no tally: it reads
    // every group doc, and none stays pinned by it either.
    const view = await containerStatus(store, {
      name: 'box',
      user: 'u',
      account: 'a',
      folder: '',
      device: 'disk1',
      groupSize: 10,
      crawlIntervalMs: 86_400_000,
      createdAt: 0,
    });
    expect([view.files, view.fetchedFiles]).toEqual([96, 0]);
    await store.flush();
    expect(Array.from({ length: 10 }, (_, g) => store.isHeld(groupDocName('box', g))).some(Boolean)).toBe(
      false,
    );

    await store.close();
    await db.close();
    db = await openRelayDb(dir);
    store = LevelDocStore.open(db);
    let files = 0;
    for (let g = 0; g < 10; g++) files += entriesMap(await store.get(groupDocName('box', g))).size;
    // 95 files and their folder `f`.
    expect(files).toBe(96);
    expect(entriesMap(await store.get(groupDocName('box', 0))).get('f/0005.txt')?.s).toBe(6);
    expect(readGroupSummaries(await store.get(indexDocName('box'))).reduce((n, s) => n + s.files, 0)).toBe(
      96,
    );
    await store.close();
  });
});
