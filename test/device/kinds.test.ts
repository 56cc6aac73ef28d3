import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { complete, crawl, makeRig, makeWorker, type Rig, readTree } from './rig.js';

const encoder = new TextEncoder();
const never = new AbortController().signal;

describe('a cloud name that changes kind', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('a file that became a folder: the old file is kept, the folder and its files land', async () => {
    const cloud = new MemoryProvider();
    cloud.put('notes', encoder.encode('a plain file first'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', cloud);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud }, { attempts: 1 });
    await worker.pass(never);

    cloud.remove('notes');
    cloud.put('notes/today.txt', encoder.encode('now a folder'), { mtime: 1_600_000_100_000 });
    await crawl(rig, 'c1', cloud);
    await worker.pass(never);
    expect(await readFile(join(rig.diskRoot, 'c1', 'notes', 'today.txt'), 'utf8')).toBe('now a folder');
    expect(await complete(rig, 'c1')).toBe(true);
    // Exactly the old file is kept: no second move of the folder that replaced it.
    const kept = [...(await readTree(join(rig.diskRoot, '.ferry', 'versions', 'c1')))];
    expect(kept).toHaveLength(1);
    expect(kept[0]?.[0]).toMatch(/^notes\.\d{8}T\d{9}Z$/);
    expect(String(kept[0]?.[1])).toBe('a plain file first');
  });

  it('a folder that became a file: the folder (and what it holds) is kept, the file lands', async () => {
    const cloud = new MemoryProvider();
    cloud.put('notes/today.txt', encoder.encode('inside the folder'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', cloud);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud }, { attempts: 1 });
    await worker.pass(never);

    cloud.remove('notes');
    cloud.put('notes', encoder.encode('now a file'), { mtime: 1_600_000_100_000 });
    await crawl(rig, 'c1', cloud);
    await worker.pass(never);
    expect(await readFile(join(rig.diskRoot, 'c1', 'notes'), 'utf8')).toBe('now a file');
    expect(await complete(rig, 'c1')).toBe(true);
    const kept = [...(await readTree(join(rig.diskRoot, '.ferry', 'versions', 'c1')))];
    expect(kept.map(([path]) => path.replace(/\d{8}T\d{9}Z/, 'STAMP'))).toEqual([
      'notes.STAMP/',
      'notes.STAMP/today.txt',
    ]);
    expect(kept.map(([, bytes]) => String(bytes))).toContain('inside the folder');
    expect((await stat(join(rig.diskRoot, 'c1', 'notes'))).isFile()).toBe(true);
  });
});
