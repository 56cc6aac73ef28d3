import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bytesOf,
  cloudTree,
  complete,
  crawl,
  makeRig,
  makeWorker,
  type Rig,
  readTree,
  start,
  WatchedProvider,
  waitFor,
} from './rig.js';

const MIN_FREE = 1_000_000;

function account(): { inner: MemoryProvider; total: number } {
  const inner = new MemoryProvider({ chunkSize: 8 * 1024 });
  let total = 0;
  for (let i = 0; i < 8; i++) {
    const size = 30_000 + i * 1000;
    total += size;
    inner.put(`data/${i}.bin`, bytesOf(i, size), { mtime: 1_600_000_000_000 + i * 1000 });
  }
  return { inner, total };
}

/** Files under a final name (not a part) in the container folder, which may not exist yet. */
async function finalFiles(rig: Rig, container: string): Promise<Map<string, Buffer>> {
  const dir = join(rig.diskRoot, container);
  if (!(await stat(dir).catch(() => undefined))) return new Map();
  const out = new Map<string, Buffer>();
  for (const [path, bytes] of await readTree(dir))
    if (bytes !== 'dir' && !path.endsWith('.ferry-part')) out.set(path, bytes);
  return out;
}

/** Every file under a final name holds exactly the cloud's bytes. */
async function noPartialFinals(rig: Rig, container: string, cloud: MemoryProvider): Promise<void> {
  const want = await cloudTree(cloud);
  for (const [path, bytes] of await finalFiles(rig, container)) expect(bytes, path).toEqual(want.get(path));
}

describe('the device and free space', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig({ minFreeBytes: MIN_FREE, parallel: 2 });
  });
  afterEach(async () => {
    await rig.close();
  });

  it('below --min-free it is Inactive (status says so, with the free bytes) and writes nothing; with room it finishes', async () => {
    const { inner } = account();
    await crawl(rig, 'c1', inner);
    rig.faults.freeBytes = 400_000;
    const run = start(makeWorker(rig, { name: 'c1', provider: inner }));
    try {
      await waitFor(() => rig.status()?.state === 'inactive', 'the status doc to say inactive');
      expect(rig.status()).toMatchObject({ state: 'inactive', freeBytes: 400_000, minFreeBytes: MIN_FREE });
      expect(inner.calls.read).toBe(0);
      expect(await finalFiles(rig, 'c1')).toEqual(new Map());

      rig.faults.freeBytes = undefined;
      await waitFor(() => complete(rig, 'c1'), 'the container once space is back');
      await waitFor(() => rig.status()?.state === 'idle', 'idle with the work done');
    } finally {
      await run.stop();
    }
    expect(await readTree(join(rig.diskRoot, 'c1'))).toEqual(await cloudTree(inner));
  });

  it('space running out mid-file stops the files in flight; parts stay, no final name; then they resume', async () => {
    const { inner, total } = account();
    const cloud = new WatchedProvider(inner);
    await crawl(rig, 'c1', cloud);
    cloud.hold('data/0.bin');
    cloud.hold('data/1.bin');
    const run = start(makeWorker(rig, { name: 'c1', provider: cloud }));
    try {
      await waitFor(() => cloud.waiting('data/0.bin') && cloud.waiting('data/1.bin'), 'two files in flight');
      // The status doc shows both with the bytes they have so far (one chunk each).
      await waitFor(
        () =>
          JSON.stringify(
            rig
              .status()
              ?.current.map((file) => [file.path, file.bytes])
              .sort(),
          ) ===
          JSON.stringify([
            ['data/0.bin', 8 * 1024],
            ['data/1.bin', 8 * 1024],
          ]),
        'the files in flight in the status doc',
      );
      rig.faults.freeBytes = 10;
      await waitFor(() => rig.status()?.state === 'inactive', 'the periodic check to go inactive');
      await waitFor(() => !cloud.waiting('data/0.bin') && !cloud.waiting('data/1.bin'), 'the reads to stop');
      expect(await finalFiles(rig, 'c1')).toEqual(new Map());
      expect((await stat(join(rig.diskRoot, 'c1', 'data', '0.bin.ferry-part'))).size).toBe(8 * 1024);

      rig.faults.freeBytes = undefined;
      await waitFor(() => complete(rig, 'c1'), 'the container once space is back');
    } finally {
      await run.stop();
    }
    expect(await readTree(join(rig.diskRoot, 'c1'))).toEqual(await cloudTree(inner));
    // The stopped files resumed from their parts: no byte came twice.
    expect(cloud.bytesSent).toBe(total);
  });

  it('ENOSPC on a write is DISK_FULL: Inactive, the part never under a final name; with room it finishes', async () => {
    const { inner } = account();
    await crawl(rig, 'c1', inner);
    rig.faults.spaceLeft = 50_000;
    const run = start(makeWorker(rig, { name: 'c1', provider: inner }));
    try {
      await waitFor(() => rig.status()?.state === 'inactive', 'the status doc to say inactive');
      await noPartialFinals(rig, 'c1', inner);
      expect(rig.logs).toContainEqual(
        expect.stringMatching(/^inactive: the disk refused a write for lack of space \(\d+ bytes free/),
      );

      rig.faults.spaceLeft = undefined;
      await waitFor(() => complete(rig, 'c1'), 'the container once space is back');
    } finally {
      await run.stop();
    }
    expect(await readTree(join(rig.diskRoot, 'c1'))).toEqual(await cloudTree(inner));
  });

  it('a rename refused by the disk (EIO) never leaves a part under the final name', async () => {
    const { inner } = account();
    await crawl(rig, 'c1', inner);
    rig.faults.failRenames = true;
    const worker = makeWorker(rig, { name: 'c1', provider: inner }, { attempts: 2 });
    await worker.pass(new AbortController().signal);
    expect(await finalFiles(rig, 'c1')).toEqual(new Map());
    expect(rig.status()?.errors.some((line) => line.includes('FERRY_DISK_IO'))).toBe(true);

    rig.faults.failRenames = false;
    await waitFor(async () => {
      await worker.pass(new AbortController().signal);
      return complete(rig, 'c1');
    }, 'the set-aside files once the disk is back');
    expect(await readFile(join(rig.diskRoot, 'c1', 'data', '7.bin'))).toEqual(
      Buffer.from(bytesOf(7, 37_000)),
    );
  });
});
