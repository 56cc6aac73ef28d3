import { access, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  deletedUpstream,
  indexDocName,
  PORTABLE_TARGET,
  readEntries,
  readGroupSummaries,
  readReceipt,
  twinsMap,
  version,
} from '@ferry/core';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../device/src/content-hash.js';
import { PART_SUFFIX } from '../../device/src/fetch-file.js';
import { containerPaths } from '../../device/src/paths.js';
import { Slots } from '../../device/src/slots.js';
import {
  bytesOf,
  cloudTree,
  complete,
  crawl,
  DEVICE,
  groupDoc,
  groupOf,
  makeRig,
  makeWorker,
  type Rig,
  readTree,
  start,
  WatchedProvider,
  waitFor,
} from './rig.js';

const encoder = new TextEncoder();
const never = new AbortController().signal;
const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** A small account: nested folders, an empty folder, an empty file, one multi-chunk file. */
function account(seed = 1): MemoryProvider {
  const provider = new MemoryProvider({ chunkSize: 16 * 1024 });
  let mtime = 1_600_000_000_000 + seed * 1_000_000;
  const put = (path: string, bytes: Uint8Array) => {
    mtime += 1000;
    provider.put(path, bytes, { mtime });
  };
  put('docs/a.txt', encoder.encode(`alpha ${seed}`));
  put('docs/b.txt', encoder.encode(`bravo ${seed}`));
  put('docs/deep/er/c.bin', bytesOf(seed, 150_000));
  put('empty.txt', new Uint8Array(0));
  put('photos/2024/x.jpg', bytesOf(seed + 100, 40_000));
  put('photos/2024/y.jpg', bytesOf(seed + 200, 41_000));
  put('photos/z.jpg', bytesOf(seed + 300, 3_000));
  provider.mkdir('nothing-here', { mtime: 1_600_000_000_000 });
  put('readme.md', encoder.encode('# hello'));
  return provider;
}

describe('ContainerWorker on a crawled memory account', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('lands every file byte for byte with its mtime; receipts equal versions; progress complete', async () => {
    const cloud = account();
    const result = await crawl(rig, 'c1', cloud, { groupSize: 3 });
    expect(result.groups).toBeGreaterThan(2);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud });
    expect(await worker.pass(never)).toBe(true);

    const root = join(rig.diskRoot, 'c1');
    expect(await readTree(root)).toEqual(await cloudTree(cloud));
    for (let group = 0; group < result.groups; group++) {
      const doc = await groupDoc(rig, 'c1', group);
      for (const entry of readEntries(doc)) {
        expect(readReceipt(doc, DEVICE, entry.path), entry.path).toBe(version(entry));
        if (!entry.isDir)
          expect(Math.trunc((await stat(join(root, entry.path))).mtimeMs), entry.path).toBe(entry.mtime);
      }
    }
    expect(await complete(rig, 'c1')).toBe(true);
    expect(rig.parts.map.size).toBe(0);
    // Nothing to do any more: a second pass does no work and reads nothing.
    const reads = cloud.calls.read;
    expect(await worker.pass(never)).toBe(false);
    expect(cloud.calls.read).toBe(reads);
  });

  it('a container rooted in a folder of the account reads from that folder and lands only it', async () => {
    const cloud = new MemoryProvider();
    cloud.put('Photos/2024/a.jpg', bytesOf(1, 3000), { mtime: 1_600_000_000_000 });
    cloud.put('Photos/b.jpg', bytesOf(2, 2000), { mtime: 1_600_000_000_000 });
    cloud.put('Private/secret.txt', encoder.encode('not in this container'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'photos', cloud, { folder: 'Photos' });
    await makeWorker(rig, { name: 'photos', provider: cloud, folder: '/Photos/' }).pass(never);
    expect(await readTree(join(rig.diskRoot, 'photos'))).toEqual(await cloudTree(cloud, 'Photos'));
    expect(await complete(rig, 'photos')).toBe(true);
  });

  it('a changed file gets the new content; the old copy is kept under .ferry/versions', async () => {
    const cloud = account();
    await crawl(rig, 'c1', cloud);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud });
    await worker.pass(never);

    cloud.put('docs/a.txt', encoder.encode('alpha, second edition'), { mtime: 1_700_000_000_000 });
    const recrawl = await crawl(rig, 'c1', cloud);
    expect(recrawl.changed).toBe(1);
    expect(await complete(rig, 'c1')).toBe(false);
    await worker.pass(never);

    expect(await readFile(join(rig.diskRoot, 'c1', 'docs', 'a.txt'), 'utf8')).toBe('alpha, second edition');
    const kept = await readTree(join(rig.diskRoot, '.ferry', 'versions', 'c1'));
    const keptFiles = [...kept].filter(([path]) => !path.endsWith('/'));
    expect(keptFiles).toHaveLength(1);
    const [keptPath, keptBytes] = keptFiles[0] ?? [];
    expect(keptPath).toMatch(/^docs\/a\.\d{8}T\d{9}Z\.txt$/);
    expect(keptBytes?.toString()).toBe('alpha 1');
    expect(await complete(rig, 'c1')).toBe(true);
  });

  it('a file deleted upstream stays on disk and is listed by deletedUpstream', async () => {
    const cloud = account();
    await crawl(rig, 'c1', cloud);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud });
    await worker.pass(never);
    const group = await groupOf(rig, 'c1', 'docs/b.txt');

    cloud.remove('docs/b.txt');
    expect((await crawl(rig, 'c1', cloud)).removed).toBe(1);
    await worker.pass(never);

    expect(await readFile(join(rig.diskRoot, 'c1', 'docs', 'b.txt'), 'utf8')).toBe('bravo 1');
    expect(deletedUpstream(await groupDoc(rig, 'c1', group), DEVICE)).toEqual(['docs/b.txt']);
    expect(await complete(rig, 'c1')).toBe(true);
  });

  it('a part file whose cloud file was deleted before it finished is removed once the container is complete', async () => {
    const cloud = account();
    await crawl(rig, 'c1', cloud);
    // What a device stopped mid-download leaves: the start of the bytes, and the ledger's note.
    const part = (container: string) => join(rig.diskRoot, container, 'docs', `b.txt${PART_SUFFIX}`);
    for (const container of ['c1', 'c2']) {
      await mkdir(dirname(part(container)), { recursive: true });
      await writeFile(part(container), 'bra');
      await rig.ledger.startPart(`${container}/docs/b.txt`, 'md5:0123456789abcdef0123456789abcdef');
    }
    const worker = makeWorker(rig, { name: 'c1', provider: cloud });
    // Not complete yet: a part may still be resumed, so nothing is swept.
    expect(await worker.sweepStaleParts(await rig.docs.get(indexDocName('c1')))).toBe(0);
    expect(await readFile(part('c1'), 'utf8')).toBe('bra');

    cloud.remove('docs/b.txt');
    expect((await crawl(rig, 'c1', cloud)).removed).toBe(1);
    const run = start(worker);
    try {
      await waitFor(
        async () => (await complete(rig, 'c1')) && !(await exists(part('c1'))),
        'the stale part gone',
      );
    } finally {
      await run.stop();
    }
    expect(await rig.ledger.partsUnder('c1')).toEqual([]);
    expect(
      rig.logs.some((line) => line.includes(`removed the unfinished download c1/docs/b.txt${PART_SUFFIX}`)),
    ).toBe(true);
    // Another container's part is not this worker's to judge.
    expect(await readFile(part('c2'), 'utf8')).toBe('bra');
    expect(await rig.ledger.partsUnder('c2')).toEqual(['c2/docs/b.txt']);
    expect(await readTree(join(rig.diskRoot, 'c1'))).toEqual(await cloudTree(cloud));
  });

  it('a case twin in a later crawl gets its own name; the file on the disk never moves', async () => {
    const cloud = new MemoryProvider();
    cloud.put('docs/a.txt', encoder.encode('lower'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', cloud);
    // The device's own mapper, on the strictest disk: it reads the crawler's twin names.
    const paths = await containerPaths(rig.replica, 'c1', PORTABLE_TARGET);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud, paths });
    await worker.pass(never);
    const onDisk = (path: string) => readFile(join(rig.diskRoot, 'c1', path), 'utf8');
    expect(await onDisk('docs/a.txt')).toBe('lower');

    cloud.put('docs/A.txt', encoder.encode('upper'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', cloud);
    await worker.pass(never);
    const upper = paths.map('docs/A.txt').path;
    expect(upper).toMatch(/^docs\/A~[0-9a-f]{8}\.txt$/);
    expect([await onDisk('docs/a.txt'), await onDisk(upper)]).toEqual(['lower', 'upper']);
    // Nothing was replaced, so nothing had to be kept aside.
    expect(await exists(join(rig.diskRoot, '.ferry', 'versions'))).toBe(false);

    // The plain one goes upstream (its file stays); the other keeps its name and follows edits.
    cloud.remove('docs/a.txt');
    cloud.put('docs/A.txt', encoder.encode('upper, edited'), { mtime: 1_600_000_001_000 });
    await crawl(rig, 'c1', cloud);
    await worker.pass(never);
    expect(paths.map('docs/A.txt').path).toBe(upper);
    expect([await onDisk('docs/a.txt'), await onDisk(upper)]).toEqual(['lower', 'upper, edited']);
    expect(await complete(rig, 'c1')).toBe(true);
  });

  it("a device whose index doc lags behind still names a new twin: the name comes with the group's entries", async () => {
    const cloud = new MemoryProvider();
    cloud.put('a.txt', encoder.encode('lower'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', cloud);
    const paths = await containerPaths(rig.replica, 'c1', PORTABLE_TARGET);
    const worker = makeWorker(rig, { name: 'c1', provider: cloud, paths });
    await worker.pass(never);
    cloud.put('A.txt', encoder.encode('upper'), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', cloud);
    // As if the index doc's update (the container's names) had not arrived yet over its link.
    const index = await rig.docs.get(indexDocName('c1'));
    const indexNames = twinsMap(index);
    const tag = indexNames.get('A.txt') as string;
    expect(tag).toMatch(/^A~[0-9a-f]{8}\.txt$/);
    indexNames.delete('A.txt');
    await worker.pass(never);
    const onDisk = (path: string) => readFile(join(rig.diskRoot, 'c1', path), 'utf8');
    expect([await onDisk('a.txt'), await onDisk(tag)]).toEqual(['lower', 'upper']);
  });

  it('a group change under a file in flight aborts it; the worker re-takes the first incomplete group', async () => {
    const inner = account();
    const cloud = new WatchedProvider(inner);
    await crawl(rig, 'c1', cloud, { groupSize: 3 });
    const inFlight = 'photos/2024/y.jpg';
    const early = 'docs/a.txt';
    const flightGroup = await groupOf(rig, 'c1', inFlight);
    expect(await groupOf(rig, 'c1', early)).toBeLessThan(flightGroup);

    cloud.hold(inFlight);
    const run = start(makeWorker(rig, { name: 'c1', provider: cloud }));
    try {
      await waitFor(() => cloud.waiting(inFlight), `${inFlight} in flight`);
      // The cloud changes both files; the crawl edits the earlier group and the one in flight.
      inner.put(inFlight, bytesOf(999, 41_000), { mtime: 1_700_000_000_000 });
      inner.put(early, encoder.encode('alpha, changed while the worker was busy'), {
        mtime: 1_700_000_000_000,
      });
      const readsBefore = cloud.reads.length;
      await crawl(rig, 'c1', cloud, { groupSize: 3 });
      await waitFor(() => complete(rig, 'c1'), 'the container complete again');
      await waitFor(() => rig.status()?.state === 'idle', 'the status doc to say idle');

      const after = cloud.reads.slice(readsBefore);
      expect(after).toContain(early);
      expect(after).toContain(inFlight);
      // Back to the first incomplete group: the earlier group's file before the aborted one again.
      expect(after.indexOf(early)).toBeLessThan(after.indexOf(inFlight));
      expect(cloud.readsOf(inFlight)).toBe(2);
    } finally {
      await run.stop();
    }
    expect(new Uint8Array(await readFile(join(rig.diskRoot, 'c1', inFlight)))).toEqual(bytesOf(999, 41_000));
    expect(await readFile(join(rig.diskRoot, 'c1', early), 'utf8')).toBe(
      'alpha, changed while the worker was busy',
    );
    expect(
      [...(await readTree(join(rig.diskRoot, 'c1'))).keys()].filter((p) => p.endsWith('.ferry-part')),
    ).toEqual([]);
  });

  it('stopping waits for the files in flight to wind down, even while others wait for a slot', async () => {
    const inner = account();
    const cloud = new WatchedProvider(inner);
    await crawl(rig, 'c1', cloud, { groupSize: 20 });
    const one = new Slots(1);
    cloud.hold('docs/a.txt');
    const run = start(makeWorker(rig, { name: 'c1', provider: cloud }, { slots: one }));
    await waitFor(() => cloud.waiting('docs/a.txt'), 'a file in flight');
    await run.stop();
    // Nothing of the worker runs on after it returned: no file line, no open read.
    expect(rig.reporter.snapshot().current).toEqual([]);
    expect(inner.activeStreams).toBe(0);
  });

  it('429 storms with Retry-After and truncated bodies end with every file correct, resumed not restarted', async () => {
    const inner = new MemoryProvider({
      chunkSize: 2048,
      faults: {
        seed: 11,
        rateLimited: { probability: 0.4, retryAfterMs: 25, operations: ['read'] },
        truncated: { probability: 0.4, fraction: 0.5 },
      },
    });
    let total = 0;
    for (let i = 0; i < 12; i++) {
      const size = 5_000 + i * 701;
      total += size;
      inner.put(`f/${String(i).padStart(2, '0')}.bin`, bytesOf(i, size), { mtime: 1_600_000_000_000 + i });
    }
    const cloud = new WatchedProvider(inner);
    await crawl(rig, 'c1', cloud);
    const run = start(makeWorker(rig, { name: 'c1', provider: cloud }));
    try {
      await waitFor(() => complete(rig, 'c1'), 'every file despite the faults', 20_000);
    } finally {
      await run.stop();
    }
    expect(inner.faultsFired.rateLimited).toBeGreaterThan(2);
    expect(inner.faultsFired.truncated).toBeGreaterThan(2);
    inner.setFaults({});
    expect(await readTree(join(rig.diskRoot, 'c1'))).toEqual(await cloudTree(inner));
    // The wait is the provider's Retry-After, not the worker's own backoff.
    expect(rig.logs.some((line) => / in 25 ms: FERRY_RATE_LIMITED/.test(line))).toBe(true);
    // Every truncated body was resumed where it stopped: not one byte came twice.
    expect(cloud.bytesSent).toBe(total);
  });

  it('TRANSIENT: five attempts with doubling backoff, then the file is set aside and tried again later', async () => {
    const flaky = new MemoryProvider({ faults: { transient: { every: 1, operations: ['read'] } } });
    flaky.put('x.bin', bytesOf(3, 1000), { mtime: 1_600_000_000_000 });
    flaky.put('y.bin', bytesOf(4, 1000), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'c1', flaky);
    let now = 1_800_000_000_000;
    const worker = makeWorker(
      rig,
      { name: 'c1', provider: flaky },
      { retryBaseMs: 4, random: () => 0, clock: () => now, setAsideMs: 60_000 },
    );
    await worker.pass(never);
    expect(flaky.calls.read).toBe(10);
    const waits = rig.logs
      .filter((line) => line.startsWith('retrying c1/x.bin'))
      .map((line) => / in (\d+) ms: FERRY_TRANSIENT/.exec(line)?.[1]);
    expect(waits).toEqual(['2', '4', '8', '16']);
    expect(
      rig.reporter.snapshot().errors.filter((line) => line.startsWith('c1 x.bin: FERRY_TRANSIENT')),
    ).toHaveLength(1);
    // Set aside: the next pass leaves it alone until its time comes.
    expect(await worker.pass(never)).toBe(false);
    expect(flaky.calls.read).toBe(10);
    flaky.setFaults({});
    now += 60_000;
    await worker.pass(never);
    expect(await complete(rig, 'c1')).toBe(true);
  });

  it('a network error a provider lets through untyped is retried, not blamed on the disk', async () => {
    const inner = new MemoryProvider();
    inner.put('x.bin', bytesOf(9, 5000), { mtime: 1_600_000_000_000 });
    let failures = 1;
    const cloud = new WatchedProvider({
      name: inner.name,
      capabilities: inner.capabilities,
      list: (folder: string) => inner.list(folder),
      stat: (path: string) => inner.stat(path),
      async *read(path: string, options?: { offset?: number; signal?: AbortSignal }) {
        if (failures-- > 0) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        yield* inner.read(path, options);
      },
    });
    await crawl(rig, 'c1', cloud);
    await makeWorker(rig, { name: 'c1', provider: cloud }).pass(never);
    expect(await complete(rig, 'c1')).toBe(true);
    expect(rig.logs.some((line) => / in \d+ ms: FERRY_TRANSIENT: the connection failed/.test(line))).toBe(
      true,
    );
  });

  it('AUTH sets the container aside as needing attention while the other container goes on', async () => {
    const broken = new MemoryProvider({ faults: { auth: { every: 1, operations: ['read'] } } });
    for (let i = 0; i < 8; i++)
      broken.put(`b/${i}.txt`, encoder.encode(`locked ${i}`), { mtime: 1_600_000_000_000 });
    const fine = account(2);
    await crawl(rig, 'locked', broken);
    await crawl(rig, 'open', fine);

    const runs = [
      start(makeWorker(rig, { name: 'locked', provider: broken }, { setAsideMs: 300 })),
      start(makeWorker(rig, { name: 'open', provider: fine })),
    ];
    try {
      await waitFor(() => complete(rig, 'open'), 'the healthy container');
      expect(await readTree(join(rig.diskRoot, 'open'))).toEqual(await cloudTree(fine));
      await waitFor(
        () => rig.status()?.errors.some((line) => line.includes('account needs attention')) === true,
        'the status doc to show the account',
      );
      const status = rig.status();
      expect(status?.errors.find((line) => line.startsWith('locked'))).toMatch(/FERRY_AUTH/);
      const lockedFiles = [...(await readTree(join(rig.diskRoot, 'locked'))).keys()].filter(
        (path) => !path.endsWith('/') && !path.endsWith('.ferry-part'),
      );
      expect(lockedFiles).toEqual([]);

      // The user fixes the account: after the attention wait the container completes.
      broken.setFaults({});
      await waitFor(() => complete(rig, 'locked'), 'the repaired container');
    } finally {
      for (const run of runs) await run.stop();
    }
    expect(await readFile(join(rig.diskRoot, 'locked', 'b', '7.txt'), 'utf8')).toBe('locked 7');
  });

  it('AUTH stops the container asking: no read per file of the group, the pass ends', async () => {
    const broken = new MemoryProvider({ faults: { auth: { every: 1, operations: ['read'] } } });
    for (let i = 0; i < 12; i++)
      broken.put(`b/${i}.txt`, encoder.encode(`locked ${i}`), { mtime: 1_600_000_000_000 });
    await crawl(rig, 'locked', broken, { groupSize: 12 });
    const worker = makeWorker(rig, { name: 'locked', provider: broken }, { setAsideMs: 60_000 });
    await worker.pass(never);
    expect(broken.faultsFired.auth).toBeGreaterThan(0);
    expect(broken.calls.read).toBeLessThanOrEqual(rig.slots.size);
    // Until the attention wait is over, another pass does not ask the account again.
    const reads = broken.calls.read;
    expect(await worker.pass(never)).toBe(false);
    expect(broken.calls.read).toBe(reads);
  });

  it('the same content in a second container is copied from the disk, not downloaded', async () => {
    const shared = bytesOf(42, 70_000);
    const one = new WatchedProvider(new MemoryProvider());
    const two = new WatchedProvider(new MemoryProvider());
    (one.inner as MemoryProvider).put('music/song.flac', shared, { mtime: 1_600_000_000_000 });
    (two.inner as MemoryProvider).put('backup/same-song.flac', shared, { mtime: 1_650_000_000_000 });
    (two.inner as MemoryProvider).put('backup/other.txt', encoder.encode('only here'), {
      mtime: 1_650_000_000_000,
    });
    await crawl(rig, 'one', one);
    await crawl(rig, 'two', two);

    await makeWorker(rig, { name: 'one', provider: one }).pass(never);
    await makeWorker(rig, { name: 'two', provider: two }).pass(never);

    expect(two.readsOf('backup/same-song.flac')).toBe(0);
    expect(two.readsOf('backup/other.txt')).toBe(1);
    const copy = join(rig.diskRoot, 'two', 'backup', 'same-song.flac');
    expect(new Uint8Array(await readFile(copy))).toEqual(shared);
    expect(Math.trunc((await stat(copy)).mtimeMs)).toBe(1_650_000_000_000);
    expect(await complete(rig, 'two')).toBe(true);
    expect(rig.logs.some((line) => /^copied two\/(backup\/)?same-song\.flac from /.test(line))).toBe(true);
  });

  it("a provider's dropbox hashes are checked: the right file lands, a lying listing is refused", async () => {
    const body = bytesOf(45, 20_000);
    const real = contentHash('dropbox');
    real.update(body);
    const dropbox = (hash: string) =>
      new WatchedProvider({
        name: 'dropbox-like',
        capabilities: {
          hashTypes: ['dropbox'],
          mtimePrecisionMs: 1000,
          rangeReads: true,
          emptyFolders: true,
        },
        async *list() {
          yield {
            path: 'a.bin',
            size: body.length,
            mtime: 1_600_000_000_000,
            hash,
            hashType: 'dropbox',
            isDir: false,
          };
        },
        stat: async () => {
          throw new Error('not used');
        },
        async *read(_path: string, options?: { offset?: number }) {
          yield body.slice(options?.offset ?? 0);
        },
      });
    const honest = dropbox(real.digest());
    const lying = dropbox('ab'.repeat(32));
    await crawl(rig, 'honest', honest);
    await crawl(rig, 'lying', lying);
    await makeWorker(rig, { name: 'honest', provider: honest }).pass(never);
    await makeWorker(rig, { name: 'lying', provider: lying }, { attempts: 2 }).pass(never);
    expect(new Uint8Array(await readFile(join(rig.diskRoot, 'honest', 'a.bin')))).toEqual(body);
    expect(await complete(rig, 'honest')).toBe(true);
    expect(await complete(rig, 'lying')).toBe(false);
    expect(
      rig.reporter.snapshot().errors.some((line) => line.startsWith('lying a.bin: FERRY_HASH_MISMATCH')),
    ).toBe(true);
    expect(await readdir(join(rig.diskRoot, 'lying'))).toEqual([]);
  });

  it('a dedup source that changed on the disk is not trusted: the file is downloaded', async () => {
    const shared = bytesOf(43, 30_000);
    const one = new MemoryProvider();
    const two = new WatchedProvider(new MemoryProvider());
    one.put('a.bin', shared, { mtime: 1_600_000_000_000 });
    (two.inner as MemoryProvider).put('b.bin', shared, { mtime: 1_600_000_000_000 });
    await crawl(rig, 'one', one);
    await crawl(rig, 'two', two);
    await makeWorker(rig, { name: 'one', provider: one }).pass(never);
    // Someone edits the first copy on the disk (same size, other bytes).
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(rig.diskRoot, 'one', 'a.bin'), bytesOf(44, 30_000));

    await makeWorker(rig, { name: 'two', provider: two }).pass(never);
    expect(two.readsOf('b.bin')).toBe(1);
    expect(new Uint8Array(await readFile(join(rig.diskRoot, 'two', 'b.bin')))).toEqual(shared);
    // Its new mtime gave it away before any copy (no copy, no failed hash check, no retry).
    expect(rig.logs.filter((line) => line.startsWith('copied') || line.includes('HASH_MISMATCH'))).toEqual(
      [],
    );
    const summaries = readGroupSummaries(await rig.docs.get(indexDocName('two')));
    expect(summaries).toHaveLength(1);
    expect(await complete(rig, 'two')).toBe(true);
  });
});
