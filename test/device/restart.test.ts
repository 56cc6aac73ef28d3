import { readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { progressDocName, progressMap, readEntry, receiptsMap, version } from '@ferry/core';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpaceGate } from '../../device/src/space-gate.js';
import {
  bytesOf,
  complete,
  crawl,
  DEVICE,
  groupDoc,
  groupOf,
  makeRig,
  makeWorker,
  type Rig,
  WatchedProvider,
  waitFor,
} from './rig.js';

/**
 * What a device finds on its disk after it was stopped hard at some point of a download: a part
 * file, a ledger entry, a final file without its receipt. Each case is set up on the disk exactly
 * as the worker leaves it, then a fresh worker (a restarted device) takes over.
 */
const SIZE = 200_000;
const PATH = 'video/clip.mp4';
/** The ledger's name of the file: relative to the disk root. */
const KEY = `c1/${PATH}`;
const BODY = bytesOf(5, SIZE);
const never = new AbortController().signal;

describe('a restarted device', () => {
  let rig: Rig;
  let inner: MemoryProvider;
  let cloud: WatchedProvider;
  let finalPath: string;
  let want: string;

  beforeEach(async () => {
    rig = await makeRig();
    inner = new MemoryProvider({ chunkSize: 16 * 1024 });
    inner.put(PATH, BODY, { mtime: 1_600_000_000_000 });
    inner.put('other.txt', new TextEncoder().encode('other'), { mtime: 1_600_000_000_000 });
    cloud = new WatchedProvider(inner);
    await crawl(rig, 'c1', cloud);
    finalPath = join(rig.diskRoot, 'c1', PATH);
    const entry = readEntry(await groupDoc(rig, 'c1', await groupOf(rig, 'c1', PATH)), PATH);
    want = version(entry as NonNullable<typeof entry>);
    await rig.disk.mkdir(join(rig.diskRoot, 'c1', 'video'));
  });
  afterEach(async () => {
    await rig.close();
  });

  /** Forgets the receipts of PATH's group (all, or one path), with the progress tally they made. */
  async function loseReceipts(path?: string): Promise<void> {
    const group = await groupOf(rig, 'c1', PATH);
    const receipts = receiptsMap(await groupDoc(rig, 'c1', group), DEVICE);
    if (path === undefined) receipts.clear();
    else receipts.delete(path);
    progressMap(await rig.docs.get(progressDocName('c1', DEVICE))).delete(String(group));
  }

  const restart = () => makeWorker(rig, { name: 'c1', provider: cloud }).pass(never);

  it('resumes a part of the same version: only the rest is read', async () => {
    await writeFile(`${finalPath}.ferry-part`, BODY.subarray(0, 120_000));
    await rig.ledger.startPart(KEY, want);
    await restart();
    expect(new Uint8Array(await readFile(finalPath))).toEqual(BODY);
    expect(cloud.readsOf(PATH)).toBe(1);
    expect(cloud.bytesSent).toBe(SIZE - 120_000 + 'other'.length);
    expect(await complete(rig, 'c1')).toBe(true);
  });

  it('does not resume a part of an older version: read from 0', async () => {
    await writeFile(`${finalPath}.ferry-part`, bytesOf(6, 120_000));
    await rig.ledger.startPart(KEY, 'md5:00000000000000000000000000000000');
    await restart();
    expect(new Uint8Array(await readFile(finalPath))).toEqual(BODY);
    expect(cloud.bytesSent).toBe(SIZE + 'other'.length);
  });

  it('detects a part whose bytes are wrong although the ledger says same version, and fetches from 0', async () => {
    const wrong = new Uint8Array(BODY.subarray(0, 120_000));
    wrong[5] = (wrong[5] ?? 0) ^ 1;
    await writeFile(`${finalPath}.ferry-part`, wrong);
    await rig.ledger.startPart(KEY, want);
    await restart();
    expect(new Uint8Array(await readFile(finalPath))).toEqual(BODY);
    expect(cloud.readsOf(PATH)).toBe(2);
    expect(cloud.bytesSent).toBe(SIZE - 120_000 + SIZE + 'other'.length);
    expect(rig.logs.some((line) => line.includes('FERRY_HASH_MISMATCH'))).toBe(true);
  });

  it('stopped after the rename, before the receipt: no second download and no bogus old copy', async () => {
    await restart();
    expect(cloud.readsOf(PATH)).toBe(1);
    // The state a hard stop right after the rename leaves: the ledger still names the part.
    await loseReceipts(PATH);
    await rig.ledger.startPart(KEY, want);
    expect(await complete(rig, 'c1')).toBe(false);

    await restart();
    expect(await complete(rig, 'c1')).toBe(true);
    expect(cloud.readsOf(PATH)).toBe(1);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(BODY);
    expect(await readdir(join(rig.diskRoot, '.ferry')).catch(() => [])).not.toContain('versions');
    expect(rig.parts.map.size).toBe(0);
  });

  it('a disk mounted at another place resumes its parts and still copies known content', async () => {
    const two = new WatchedProvider(new MemoryProvider());
    (two.inner as MemoryProvider).put('same.mp4', BODY, { mtime: 1_650_000_000_000 });
    await crawl(rig, 'c2', two);
    // First mount: other.txt and the clip are fetched, then a hard stop leaves a part of a new file.
    await restart();
    inner.put('video/next.mp4', bytesOf(8, SIZE), { mtime: 1_600_000_500_000 });
    await crawl(rig, 'c1', cloud);
    cloud.hold('video/next.mp4');
    const stop = new AbortController();
    const first = makeWorker(rig, { name: 'c1', provider: cloud }).pass(stop.signal);
    await waitFor(() => cloud.waiting('video/next.mp4'), 'next.mp4 in flight');
    stop.abort(new Error('unplugged'));
    await first;
    const partSize = (await stat(join(rig.diskRoot, 'c1', 'video', 'next.mp4.ferry-part'))).size;
    expect(partSize).toBeGreaterThan(0);

    // The disk comes back under another mount point.
    const moved = join(rig.parent, 'elsewhere');
    await rename(rig.diskRoot, moved);
    const space = new SpaceGate({ disk: rig.disk, diskRoot: moved, minFreeBytes: 0, reporter: rig.reporter });
    try {
      const sentBefore = cloud.bytesSent;
      await makeWorker(rig, { name: 'c1', provider: cloud }, { diskRoot: moved, space }).pass(never);
      expect(cloud.bytesSent - sentBefore).toBe(SIZE - partSize);
      expect(new Uint8Array(await readFile(join(moved, 'c1', 'video', 'next.mp4')))).toEqual(
        bytesOf(8, SIZE),
      );
      await makeWorker(rig, { name: 'c2', provider: two }, { diskRoot: moved, space }).pass(never);
      expect(two.readsOf('same.mp4')).toBe(0);
      expect(new Uint8Array(await readFile(join(moved, 'c2', 'same.mp4')))).toEqual(BODY);
    } finally {
      space.close();
      await rename(moved, rig.diskRoot);
    }
  });

  it('a disk that already holds the files (its receipts lost) is verified, not downloaded again', async () => {
    await restart();
    await loseReceipts();
    await restart();
    expect(cloud.readsOf(PATH)).toBe(1);
    expect(cloud.readsOf('other.txt')).toBe(1);
    expect(await complete(rig, 'c1')).toBe(true);

    // The same name with other bytes (same size and mtime) is not taken for the cloud's file.
    await loseReceipts();
    const tampered = new Uint8Array(BODY);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    await writeFile(finalPath, tampered);
    await rig.disk.setMtime(finalPath, 1_600_000_000_000);
    await restart();
    expect(cloud.readsOf(PATH)).toBe(2);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(BODY);
    expect(await complete(rig, 'c1')).toBe(true);
  });
});
