import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  diskTarget,
  type Entry,
  FerryError,
  groupDocName,
  indexDocName,
  md5Hex,
  nameTwins,
  type Provider,
  type ReadOptions,
  readEntries,
  readReceipt,
  TwinFinder,
  version,
  writeEntries,
  writeGroupSummaries,
  writeTwinNames,
} from '@ferry/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { containerPaths } from '../../device/src/paths.js';
import type { PathMapper } from '../../device/src/worker.js';
import { asIs, crawl, DEVICE, groupDoc, makeRig, makeWorker, type Rig, readTree } from './rig.js';

const encoder = new TextEncoder();
const never = new AbortController().signal;

/** A cloud that lists whatever names it is given: what a hostile or broken server can send. */
class HostileProvider implements Provider {
  readonly name = 'hostile';
  readonly capabilities = {
    hashTypes: ['md5'] as const,
    mtimePrecisionMs: 1,
    rangeReads: true,
    emptyFolders: true,
  };
  constructor(readonly files: Map<string, Uint8Array>) {}

  entry(path: string): Entry {
    const bytes = this.files.get(path);
    if (!bytes) throw new FerryError('NOT_FOUND', `hostile: no '${path}'`);
    return {
      path,
      size: bytes.length,
      mtime: 1_600_000_000_000,
      hash: md5Hex(bytes),
      hashType: 'md5',
      isDir: false,
    };
  }
  async *list(): AsyncGenerator<Entry> {
    for (const path of this.files.keys()) yield this.entry(path);
  }
  async stat(path: string): Promise<Entry> {
    return this.entry(path);
  }
  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    const bytes = this.files.get(path);
    if (!bytes) throw new FerryError('NOT_FOUND', `hostile: no '${path}'`);
    yield bytes.slice(options.offset ?? 0);
  }
}

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';
const LONG = `${'ü'.repeat(150)}.txt`; // 304 bytes in UTF-8

/** Names the crawler accepts (relative, no empty segment) but no disk should take as they are. */
const CRAWLABLE = [
  '../x',
  '../../outside.txt',
  'docs/../../climb.txt',
  'a\\b',
  '..\\..\\windows.txt',
  'nul\u0000byte.txt',
  NFC,
  NFD,
  LONG,
  'plain.txt',
  '..hidden.txt',
  '...',
  'plain.txt.ferry-part',
  '.ferry/versions/evil.txt',
  'con.txt',
  'what?.txt',
];

/** Names only a broken relay would hand over: the crawler refuses them. */
const UNCRAWLABLE = ['/etc/x', '//double-root.txt', 'a//b.txt', './here.txt'];

function cloudOf(names: string[]): HostileProvider {
  return new HostileProvider(new Map(names.map((name, i) => [name, encoder.encode(`body ${i}: ${name}`)])));
}

/** Every path under `dir`, relative to it. */
async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    out.push(path);
    if (item.isDirectory() && !(await lstat(path)).isSymbolicLink()) out.push(...(await walk(path)));
  }
  return out;
}

/** Nothing was written beside the disk root, and inside it nothing but the container and .ferry. */
async function expectConfined(rig: Rig, ...containers: string[]): Promise<void> {
  expect(await readdir(rig.parent)).toEqual(['disk']);
  for (const path of await walk(rig.diskRoot)) {
    const rel = relative(rig.diskRoot, path);
    expect(rel.startsWith('..'), path).toBe(false);
    expect([...containers, '.ferry']).toContain(rel.split(sep)[0]);
  }
}

/** The device's own mapper: safe names, with the twin names the crawler put in the index doc. */
function safeNames(rig: Rig, container: string): Promise<PathMapper> {
  return containerPaths(rig.replica, container, diskTarget('ext4'));
}

/** Writes entries into group 0 the way a crawler would, without the crawler's checks. */
async function plant(rig: Rig, container: string, cloud: HostileProvider): Promise<void> {
  const doc = await rig.docs.get(groupDocName(container, 0));
  writeEntries(
    doc,
    [...cloud.files.keys()].map((path) => cloud.entry(path)),
  );
  let bytes = 0;
  for (const body of cloud.files.values()) bytes += body.length;
  const index = await rig.docs.get(indexDocName(container));
  writeGroupSummaries(index, [[0, { files: cloud.files.size, bytes, generation: 1 }]]);
  // The twin names a crawler would have given this listing.
  const finder = new TwinFinder();
  for (const path of cloud.files.keys()) finder.add(path);
  writeTwinNames(
    index,
    nameTwins({
      twins: finder.twins,
      previous: new Map(),
      listed: (path) => cloud.files.has(path),
      wasListed: () => false,
      holderOf: (key) => finder.holderOf(key),
    }),
  );
}

describe('hostile cloud names through the worker', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it('with safe and twin names every file lands under the container, renamed, each with its own content', async () => {
    const cloud = cloudOf(CRAWLABLE);
    const crawled = await crawl(rig, 'c1', cloud, { groupSize: 100 });
    expect(crawled.files).toBe(CRAWLABLE.length);
    await makeWorker(rig, { name: 'c1', provider: cloud, paths: await safeNames(rig, 'c1') }).pass(never);

    await expectConfined(rig, 'c1');
    const doc = await groupDoc(rig, 'c1', 0);
    for (const entry of readEntries(doc))
      expect(readReceipt(doc, DEVICE, entry.path), JSON.stringify(entry.path)).toBe(version(entry));
    // Every cloud file is on the disk exactly once: the bodies are distinct, so count them.
    const files = [...(await readTree(join(rig.diskRoot, 'c1')))].filter(([path]) => !path.endsWith('/'));
    const bodies = files.map(([, bytes]) => (bytes as Buffer).toString()).sort();
    expect(bodies).toEqual([...cloud.files.values()].map((bytes) => new TextDecoder().decode(bytes)).sort());
    expect(files.map(([path]) => path).filter((path) => path.endsWith('.ferry-part'))).toEqual([]);
    expect(rig.reporter.snapshot().renamed.length).toBeGreaterThanOrEqual(8);
  });

  it('without a safe-name mapper the worker still refuses to write outside the container', async () => {
    const cloud = cloudOf(CRAWLABLE);
    await crawl(rig, 'c1', cloud, { groupSize: 100 });
    await makeWorker(rig, { name: 'c1', provider: cloud, paths: asIs }, { attempts: 1 }).pass(never);

    await expectConfined(rig, 'c1');
    const errors = rig.reporter.snapshot().errors.join('\n');
    expect(errors).toMatch(/FERRY_UNSAFE_PATH: '\.\.\/x'/);
    expect(errors).toMatch(/FERRY_UNSAFE_PATH: '\.\.\/\.\.\/outside\.txt'/);
    // Names that merely start with dots are plain names inside the container.
    const doc = await groupDoc(rig, 'c1', 0);
    for (const path of ['..hidden.txt', '...', 'plain.txt'])
      expect(readReceipt(doc, DEVICE, path), path).toBe(version(cloud.entry(path)));
  });

  it('names the crawler refuses, planted straight into the docs, stay inside too', async () => {
    const cloud = cloudOf([...UNCRAWLABLE, ...CRAWLABLE]);
    await expect(crawl(rig, 'probe', cloud)).rejects.toMatchObject({ code: 'BAD_ENTRY' });
    await plant(rig, 'c1', cloud);
    await plant(rig, 'c2', cloud);
    await makeWorker(rig, { name: 'c1', provider: cloud, paths: await safeNames(rig, 'c1') }).pass(never);
    await makeWorker(rig, { name: 'c2', provider: cloud, paths: asIs }, { attempts: 1 }).pass(never);
    await expectConfined(rig, 'c1', 'c2');
    // With safe names every one of them landed.
    const doc = await groupDoc(rig, 'c1', 0);
    for (const entry of readEntries(doc))
      expect(readReceipt(doc, DEVICE, entry.path), JSON.stringify(entry.path)).toBe(version(entry));
  });
});
