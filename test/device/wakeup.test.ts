import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, describe, expect, it } from 'vitest';
import { crawl, makeRig, makeWorker, type Rig, start, waitFor } from './rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const text = (s: string) => new TextEncoder().encode(s);

describe('worker wake-up', () => {
  it('does not miss a crawl that lands while a pass is closing its docs', async () => {
    rig = await makeRig();
    const inner = rig.replica;
    // As SyncedReplica.close: a flush round trip to the relay before a doc is let go.
    rig.replica = {
      open: (name) => inner.open(name),
      close: async (name) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await inner.close(name);
      },
    };
    const cloud = new MemoryProvider();
    cloud.put('a.txt', text('one'), { mtime: 1_600_000_000_000 });
    // A listing that takes 30 ms, so the crawl ends while the idle pass is closing its docs.
    const slow = Object.create(cloud) as MemoryProvider;
    slow.list = async function* (folder, options) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      yield* cloud.list(folder, options);
    };
    await crawl(rig, 'c', cloud);
    // An idle recheck far beyond the test's timeout: only the index doc's update may wake it.
    const run = start(makeWorker(rig, { name: 'c', provider: cloud }, { idleRecheckMs: 600_000 }));
    const file = join(rig.diskRoot, 'c', 'a.txt');
    const holds = async (want: string) => (await readFile(file, 'utf8').catch(() => '')) === want;
    await waitFor(() => holds('one'), 'the first version');
    await new Promise((resolve) => setTimeout(resolve, 300)); // idle now
    cloud.put('a.txt', text('two'), { mtime: 1_700_000_000_000 });
    await crawl(rig, 'c', slow);
    await waitFor(() => holds('two'), 'the crawled change', 4000);
    expect(await readFile(file, 'utf8')).toBe('two');
    await run.stop();
  });
});
