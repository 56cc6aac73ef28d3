import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entriesMap, groupDocName, receiptsMap, writeEntries, writeReceipt } from '@ferry/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { openRelayDb, type RelayDb } from '../db.js';
import { LevelDocStore, type LevelDocStoreOptions } from './doc-store.js';

let dir: string;
let db: RelayDb;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-docs-'));
  db = await openRelayDb(dir);
});

afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

/** Closes store and db, opens both again on the same folder. */
async function reopen(store: LevelDocStore, options?: LevelDocStoreOptions): Promise<LevelDocStore> {
  await store.close();
  await db.close();
  db = await openRelayDb(dir);
  return LevelDocStore.open(db, options);
}

const content = (doc: Y.Doc) => ({
  entries: entriesMap(doc).toJSON(),
  receipts: receiptsMap(doc, 'disk1').toJSON(),
  sv: Array.from(Y.encodeStateVector(doc)),
});

const entry = (path: string, size = 1) => ({ path, size, mtime: 1000, isDir: false });

describe('LevelDocStore', () => {
  it('appends every change and replays it after a reopen: identical state', async () => {
    let store = LevelDocStore.open(db);
    const doc = await store.get('c/box/g/0');
    writeEntries(doc, [entry('a'), entry('b', 2)]);
    await store.flush();
    writeReceipt(doc, 'disk1', 'a', 's1-m1000');
    await store.flush();
    // Changes made while a write is under way are merged into the next one.
    entriesMap(doc).delete('b');
    writeReceipt(doc, 'disk1', 'b', 's2-m1000');
    writeReceipt(doc, 'disk1', 'c', 's3-m1000');
    await store.flush();
    expect(await store.storedUpdates('c/box/g/0')).toBe(3);
    const before = content(doc);

    store = await reopen(store);
    const again = await store.get('c/box/g/0');
    expect(again).not.toBe(doc);
    expect(content(again)).toEqual(before);
    expect(entriesMap(again).has('b')).toBe(false);
    await store.close();
  });

  it('shares one load between concurrent gets of the same name', async () => {
    const store = LevelDocStore.open(db);
    await store.has('warm-up'); // the sublevel is open: no deferred call counted twice
    const reads = vi.spyOn(store.level, 'iterator');
    const [a, b] = await Promise.all([store.get('d/disk1'), store.get('d/disk1')]);
    expect(a).toBe(b);
    expect(await store.get('d/disk1')).toBe(a);
    expect(reads).toHaveBeenCalledTimes(1);
    await store.close();
  });

  it('compacts many updates into one, keeping the state, on close and on demand', async () => {
    let store = LevelDocStore.open(db, { compactAbove: 5 });
    const doc = await store.get('c/box/g/0');
    for (let i = 0; i < 20; i++) {
      writeReceipt(doc, 'disk1', `f${i}`, `v${i}`);
      await store.flush();
    }
    writeReceipt(doc, 'disk1', 'f0', 'v-new');
    await store.flush();
    expect(await store.storedUpdates('c/box/g/0')).toBe(21);
    const before = content(doc);

    store = await reopen(store, { compactAbove: 5 });
    expect(await store.storedUpdates('c/box/g/0')).toBe(1);
    const again = await store.get('c/box/g/0');
    expect(content(again)).toEqual(before);
    expect(receiptsMap(again, 'disk1').get('f0')).toBe('v-new');

    // On demand, and with the doc not in memory: compaction then replays from the db.
    writeReceipt(again, 'disk1', 'g', 'v');
    await store.flush();
    writeReceipt(again, 'disk1', 'h', 'v');
    await store.flush();
    expect(await store.storedUpdates('c/box/g/0')).toBe(3);
    store.release('c/box/g/0');
    await store.compact('c/box/g/0');
    expect(await store.storedUpdates('c/box/g/0')).toBe(1);
    store = await reopen(store);
    expect(receiptsMap(await store.get('c/box/g/0'), 'disk1').size).toBe(22);
    await store.close();
  });

  it('keeps a 100k-entry group doc across a restart', async () => {
    let store = LevelDocStore.open(db);
    const doc = await store.get(groupDocName('big', 0));
    const entries = Array.from({ length: 100_000 }, (_, i) => entry(`dir${i % 100}/file-${i}.bin`, i));
    writeEntries(doc, entries);
    await store.flush();
    store = await reopen(store);
    const again = await store.get(groupDocName('big', 0));
    const map = entriesMap(again);
    expect(map.size).toBe(100_000);
    expect(map.get('dir99/file-99999.bin')).toEqual({ s: 99_999, m: 1000 });
    await store.close();
  });

  it('answers has and list without creating documents', async () => {
    const store = LevelDocStore.open(db);
    writeEntries(await store.get('c/box/g/0'), [entry('a')]);
    writeEntries(await store.get('c/box/g/1'), [entry('b')]);
    writeEntries(await store.get('c/boxer'), [entry('c')]);
    await store.get('c/box/g/2'); // opened, never written
    expect(await store.has('c/box/g/0')).toBe(true);
    expect(await store.has('c/box/g/2')).toBe(false);
    expect(await store.has('c/box/g/9')).toBe(false);
    await store.flush();
    expect(await store.list('c/box/')).toEqual(['c/box/g/0', 'c/box/g/1']);
    expect(await store.list('c/box')).toEqual(['c/box/g/0', 'c/box/g/1', 'c/boxer']);
    await store.close();
  });

  it('releases a doc only when no handle uses it, handing out the same instance while it lives', async () => {
    const store = LevelDocStore.open(db);
    const handle = await store.open('d/disk1');
    handle.doc.getMap('status').set('state', 'active');
    expect(store.isHeld('d/disk1')).toBe(true);
    handle.release();
    handle.release(); // twice is harmless
    // Its write was still pending: released once it is on disk.
    expect(store.isHeld('d/disk1')).toBe(true);
    await store.flush();
    expect(store.isHeld('d/disk1')).toBe(false);
    const again = await store.get('d/disk1');
    expect(again).toBe(handle.doc);
    again.getMap('status').set('state', 'inactive');
    await store.flush();
    const other = await store.open('d/disk1');
    const second = await store.open('d/disk1');
    store.release('d/disk1'); // handles are open: stays
    other.release();
    expect(store.isHeld('d/disk1')).toBe(true);
    second.release();
    expect(store.isHeld('d/disk1')).toBe(false);
    expect(await store.get('d/disk1')).toBe(other.doc);
    await store.close();
    const check = await reopen(store);
    expect((await check.get('d/disk1')).getMap('status').get('state')).toBe('inactive');
    await check.close();
  });

  it('logs and retries a failed write, losing nothing', async () => {
    const warnings: Record<string, unknown>[] = [];
    let store = LevelDocStore.open(db, {
      logger: { warn: (fields) => warnings.push(fields) },
      retry: { firstMs: 1 },
    });
    const batch = store.level.batch.bind(store.level);
    let failures = 3;
    vi.spyOn(store.level, 'batch').mockImplementation(((...args: Parameters<typeof batch>) => {
      if (failures-- > 0) return Promise.reject(new Error('disk on fire'));
      return batch(...args);
    }) as typeof batch);
    const doc = await store.get('c/box/p/disk1');
    doc.getMap('groups').set('0', { files: 1 });
    doc.getMap('groups').set('1', { files: 2 });
    await store.flush();
    expect(warnings.map((w) => w.message)).toEqual(['disk on fire', 'disk on fire', 'disk on fire']);
    expect(warnings[0]).toMatchObject({ doc: 'c/box/p/disk1', attempt: 1 });
    store = await reopen(store);
    expect((await store.get('c/box/p/disk1')).getMap('groups').toJSON()).toEqual({
      '0': { files: 1 },
      '1': { files: 2 },
    });
    await store.close();
  });

  it('close reports updates it could not write', async () => {
    const store = LevelDocStore.open(db, { logger: { warn: () => undefined }, retry: { firstMs: 1 } });
    vi.spyOn(store.level, 'batch').mockRejectedValue(new Error('read-only file system'));
    const doc = await store.get('d/disk1');
    doc.getMap('status').set('state', 'active');
    await expect(store.close()).rejects.toMatchObject({
      code: 'INTERNAL',
      message: expect.stringContaining('1 update(s) not saved'),
    });
    await expect(store.get('d/disk1')).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
