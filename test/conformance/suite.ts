import { createHash } from 'node:crypto';
import { type Entry, isFerryError, type Provider, validateEntry } from '@ferry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedHash,
  isSeedFolder,
  patternBytes,
  type SeedBytes,
  type SeedFile,
  type SeedGenerated,
  seedChunks,
  seedSize,
  seedSlice,
} from './seed.js';

/**
 * What a provider's test gives the suite: the provider, pointed at an empty root, and a way to
 * create, remove and clean up files on the real backend behind it (a temp folder, a loopback
 * server, …), without going through the provider under test.
 */
export interface ConformanceFixture {
  provider: Provider;
  /** Creates files and folders (parents included) at the backend, with the mtimes given. */
  seed(files: readonly SeedFile[]): Promise<void>;
  /** Removes a file or a whole folder at the backend (used while a listing runs). */
  remove(path: string): Promise<void>;
  /** Deletes everything the fixture made. Called once, after `provider.close()`. */
  cleanup(): Promise<void>;
  /**
   * Resources (open handles, sockets, running iterations) the provider holds right now, when it
   * can tell; the suite checks that stopping an iteration early brings this back down.
   */
  openResources?(): number;
}

const encoder = new TextEncoder();
const text = (s: string) => encoder.encode(s);

/** 10,000 files in 20 folders of 500. */
export const MANY_FOLDERS = 20;
export const MANY_PER_FOLDER = 500;
export const MANY_FILES = MANY_FOLDERS * MANY_PER_FOLDER;
const BIG_SIZE = 5 * 1024 * 1024 + 123;
const DEEP = Array.from({ length: 10 }, (_, i) => `l${i + 1}`).join('/');
const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';
const MTIMES = [1_700_000_123_456, 946_684_800_000, 1_234_567_890_123];

const manyPath = (i: number) =>
  `many/d${String(Math.floor(i / MANY_PER_FOLDER)).padStart(2, '0')}/f${String(i).padStart(5, '0')}.txt`;

/** The tree every provider is tested on. Folders only where the provider keeps empty ones. */
export function conformanceTree(emptyFolders: boolean): SeedFile[] {
  const files: SeedFile[] = [
    { path: `deep/${DEEP}/leaf.txt`, bytes: text('at the bottom\n'), mtime: MTIMES[0] },
    { path: 'deep/l1/l2/side.txt', bytes: text('on the side\n') },
    { path: `unicode/nfc/${NFC}`, bytes: text('composed\n') },
    { path: `unicode/nfd/${NFD}`, bytes: text('decomposed\n') },
    { path: 'unicode/nfc/日本語 ファイル.txt', bytes: text('cjk and a space\n') },
    { path: 'unicode/nfc/emoji 😀 #1.txt', bytes: text('astral plane\n') },
    { path: `unicode/twins/${NFC}`, bytes: text('twin composed\n') },
    { path: `unicode/twins/${NFD}`, bytes: text('twin decomposed\n') },
    { path: 'sizes/empty.bin', bytes: new Uint8Array(0) },
    { path: 'sizes/small.txt', bytes: text('0123456789abcdef') },
    { path: 'sizes/big.bin', size: BIG_SIZE, generate: patternBytes },
    ...MTIMES.map((mtime, i) => ({ path: `mtimes/m${i}.txt`, bytes: text(`mtime ${mtime}\n`), mtime })),
  ];
  if (emptyFolders)
    files.push({ path: 'empty/inner', isDir: true }, { path: 'empty/also-empty', isDir: true });
  for (let i = 0; i < MANY_FILES; i++) files.push({ path: manyPath(i), bytes: text(`many ${i}\n`) });
  return files;
}

/** Every folder a set of seeded paths implies (their ancestors), plus the seeded folders. */
function impliedFolders(tree: readonly SeedFile[]): Set<string> {
  const folders = new Set<string>();
  for (const file of tree) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) folders.add(parts.slice(0, i).join('/'));
    if (isSeedFolder(file)) folders.add(file.path);
  }
  return folders;
}

async function collect(iterable: AsyncIterable<Entry>): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  for await (const entry of iterable) {
    validateEntry(entry);
    if (entries.has(entry.path)) throw new Error(`listing named '${entry.path}' twice`);
    entries.set(entry.path, entry);
  }
  return entries;
}

async function readAll(provider: Provider, path: string, offset?: number, length?: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const options: { offset?: number; length?: number } = {};
  if (offset !== undefined) options.offset = offset;
  if (length !== undefined) options.length = length;
  for await (const chunk of provider.read(path, options)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function expectCode(action: () => Promise<unknown>, code: string): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected FERRY_${code}`).toBeDefined();
  expect(isFerryError(caught) ? caught.code : caught).toBe(code);
}

/**
 * The suite every provider must pass (rclone's fstests idea): run it from the provider's test
 * with a setup that points a fresh provider at an empty backend root.
 */
export function runProviderConformance(name: string, setup: () => Promise<ConformanceFixture>): void {
  describe(`provider conformance: ${name}`, () => {
    let fixture: ConformanceFixture;
    let provider: Provider;
    let tree: SeedFile[];
    let seeded: Map<string, SeedBytes | SeedGenerated>;
    let rootListing: Promise<Map<string, Entry>> | undefined;
    const listRoot = () => {
      rootListing ??= collect(provider.list(''));
      return rootListing;
    };
    const seededFile = (path: string) => {
      const file = seeded.get(path);
      if (file === undefined) throw new Error(`suite bug: '${path}' was not seeded`);
      return file;
    };

    beforeAll(async () => {
      fixture = await setup();
      provider = fixture.provider;
      tree = conformanceTree(provider.capabilities.emptyFolders);
      seeded = new Map();
      for (const file of tree) if (!isSeedFolder(file)) seeded.set(file.path, file);
      await fixture.seed(tree);
    });

    afterAll(async () => {
      await fixture?.provider.close?.();
      await fixture?.cleanup();
    });

    it('lists exactly the seeded files, with sizes, and well-formed entries', async () => {
      const listed = await listRoot();
      const files = [...listed.values()].filter((entry) => !entry.isDir).map((entry) => entry.path);
      expect(files.sort()).toEqual([...seeded.keys()].sort());
      for (const [path, file] of seeded) expect(listed.get(path)?.size, path).toBe(seedSize(file));
      const folders = [...listed.values()].filter((entry) => entry.isDir).map((entry) => entry.path);
      for (const folder of folders)
        expect(impliedFolders(tree).has(folder), `unexpected folder ${folder}`).toBe(true);
      if (provider.capabilities.emptyFolders)
        expect(folders.sort()).toEqual([...impliedFolders(tree)].sort());
    });

    it('lists a deep tree (depth 11) from the root and from a subfolder', async () => {
      const listed = await listRoot();
      expect(listed.get(`deep/${DEEP}/leaf.txt`)?.isDir).toBe(false);
      const below = await collect(provider.list('deep/l1/l2'));
      const files = [...below.values()].filter((entry) => !entry.isDir).map((entry) => entry.path);
      expect(files.sort()).toEqual([`${DEEP.split('/').slice(2).join('/')}/leaf.txt`, 'side.txt'].sort());
      if (provider.capabilities.emptyFolders) {
        expect(below.get('l3')?.isDir).toBe(true);
        expect(below.get('l3/l4/l5/l6/l7/l8/l9/l10')?.isDir).toBe(true);
        expect(below.size).toBe(10);
      }
    });

    it('keeps empty folders (when the provider has folders)', async (context) => {
      if (!provider.capabilities.emptyFolders) context.skip();
      const listed = await listRoot();
      expect(listed.get('empty/inner')?.isDir).toBe(true);
      expect(listed.get('empty/also-empty')?.isDir).toBe(true);
      expect((await collect(provider.list('empty/inner'))).size).toBe(0);
      expect((await provider.stat('empty/inner')).isDir).toBe(true);
    });

    it('lists and reads unicode names in NFC and NFD exactly as stored', async () => {
      const listed = await listRoot();
      for (const path of [
        `unicode/nfc/${NFC}`,
        `unicode/nfd/${NFD}`,
        'unicode/nfc/日本語 ファイル.txt',
        'unicode/nfc/emoji 😀 #1.txt',
      ]) {
        expect(listed.has(path), `listed: ${path}`).toBe(true);
        expect((await readAll(provider, path)).toString()).toBe(
          Buffer.from(seedSlice(seededFile(path), 0, 1e6)).toString(),
        );
        expect((await provider.stat(path)).path).toBe(path);
      }
      // Twins: two names that differ only by normalisation. Kept apart where the backend keeps both.
      const twins = [...listed.keys()].filter((path) => path.startsWith('unicode/twins/'));
      expect(twins.length === 1 || twins.length === 2).toBe(true);
      for (const path of twins) {
        expect([`unicode/twins/${NFC}`, `unicode/twins/${NFD}`]).toContain(path);
        const body = (await readAll(provider, path)).toString();
        if (twins.length === 2)
          expect(body).toBe(Buffer.from(seedSlice(seededFile(path), 0, 100)).toString());
        else expect(['twin composed\n', 'twin decomposed\n']).toContain(body);
      }
    });

    it('reads a 0-byte file and a multi-megabyte file whole', async () => {
      expect((await readAll(provider, 'sizes/empty.bin')).length).toBe(0);
      expect((await provider.stat('sizes/empty.bin')).size).toBe(0);
      const big = seededFile('sizes/big.bin');
      const hash = createHash('sha256');
      let length = 0;
      for await (const chunk of provider.read('sizes/big.bin')) {
        hash.update(chunk);
        length += chunk.length;
      }
      expect(length).toBe(BIG_SIZE);
      expect(hash.digest('hex')).toBe(expectedHash('sha256', seedChunks(big)));
    });

    it('reads ranges at the start, middle and end, and past the end', async () => {
      const big = seededFile('sizes/big.bin');
      const ranges: [number, number | undefined, number][] = [
        [0, 1000, 1000],
        [2_500_001, 12_345, 12_345],
        [BIG_SIZE - 777, undefined, 777],
        [BIG_SIZE - 10, 100, 10],
        [BIG_SIZE, 50, 0],
        [BIG_SIZE + 1000, undefined, 0],
        [123, 0, 0],
      ];
      for (const [offset, length, expected] of ranges) {
        const got = await readAll(provider, 'sizes/big.bin', offset, length);
        expect(got.length, `range ${offset}+${length}`).toBe(expected);
        expect(got.equals(seedSlice(big, offset, expected)), `range ${offset}+${length}`).toBe(true);
      }
      expect((await readAll(provider, 'sizes/small.txt', 4, 6)).toString()).toBe('456789');
      await expectCode(() => readAll(provider, 'sizes/small.txt', -1), 'BAD_INPUT');
    });

    it('reports mtimes within the stated precision', async () => {
      const precision = provider.capabilities.mtimePrecisionMs;
      const listed = await listRoot();
      for (const file of tree) {
        if (file.mtime === undefined || isSeedFolder(file)) continue;
        const entry = listed.get(file.path);
        expect(Math.abs((entry?.mtime ?? Number.NaN) - file.mtime), file.path).toBeLessThan(precision);
        expect(Math.abs((await provider.stat(file.path)).mtime - file.mtime), file.path).toBeLessThan(
          precision,
        );
      }
    });

    it('reports correct hashes for every file, in listings and stat', async () => {
      const types = provider.capabilities.hashTypes;
      const listed = await listRoot();
      for (const [path, file] of seeded) {
        const entry = listed.get(path) as Entry;
        if (types.length === 0) {
          expect(entry.hash, path).toBeUndefined();
          continue;
        }
        expect(types, path).toContain(entry.hashType);
        expect(entry.hash, path).toBe(
          expectedHash(entry.hashType as (typeof types)[number], seedChunks(file)),
        );
      }
      for (const path of ['sizes/big.bin', 'sizes/empty.bin', `unicode/nfd/${NFD}`]) {
        const stat = await provider.stat(path);
        expect({ hash: stat.hash, hashType: stat.hashType, size: stat.size }).toEqual({
          hash: listed.get(path)?.hash,
          hashType: listed.get(path)?.hashType,
          size: listed.get(path)?.size,
        });
      }
    });

    it('stats files and folders like the listing does', async () => {
      const file = await provider.stat('deep/l1/l2/side.txt');
      expect(file).toMatchObject({ path: 'deep/l1/l2/side.txt', isDir: false, size: 12 });
      expect(() => validateEntry(file)).not.toThrow();
      if (provider.capabilities.emptyFolders) expect((await provider.stat('deep/l1')).isDir).toBe(true);
    });

    it('answers NOT_FOUND for a missing file or folder (stat, read, list)', async () => {
      await expectCode(() => provider.stat('missing.txt'), 'NOT_FOUND');
      await expectCode(() => provider.stat('deep/nope/missing.txt'), 'NOT_FOUND');
      await expectCode(() => readAll(provider, 'missing.txt'), 'NOT_FOUND');
      await expectCode(() => readAll(provider, 'sizes/missing.bin', 10, 10), 'NOT_FOUND');
      await expectCode(() => collect(provider.list('no-such-folder')), 'NOT_FOUND');
    });

    it('refuses paths that climb out of the root', async () => {
      await expectCode(() => provider.stat('../outside'), 'UNSAFE_PATH');
      await expectCode(() => readAll(provider, 'sizes/../../etc/passwd'), 'UNSAFE_PATH');
      await expectCode(() => collect(provider.list('/absolute')), 'UNSAFE_PATH');
    });

    it('lists one subfolder with paths relative to it', async () => {
      const listed = await collect(provider.list('many/d03'));
      expect([...listed.keys()].sort()).toEqual(
        Array.from({ length: MANY_PER_FOLDER }, (_, i) =>
          manyPath(3 * MANY_PER_FOLDER + i).slice('many/d03/'.length),
        ),
      );
    });

    it('reports a quota with sane numbers (when it can)', async (context) => {
      if (provider.quota === undefined) context.skip();
      const quota = await (provider.quota as NonNullable<Provider['quota']>)();
      for (const value of [quota.totalBytes, quota.usedBytes, quota.freeBytes])
        if (value !== undefined) expect(Number.isSafeInteger(value) && value >= 0).toBe(true);
      if (quota.totalBytes !== undefined && quota.usedBytes !== undefined)
        expect(quota.usedBytes).toBeLessThanOrEqual(quota.totalBytes);
    });

    it('releases what it holds when the consumer stops early', async () => {
      const before = fixture.openResources?.();
      let seen = 0;
      for await (const _entry of provider.list('many')) if (++seen === 3) break;
      expect(seen).toBe(3);
      // Checked right after the loop: `break` awaits the iterator's return(), which must let go.
      if (before !== undefined)
        expect(fixture.openResources?.(), 'after a listing stopped early').toBe(before);
      for await (const _chunk of provider.read('sizes/big.bin')) break;
      if (before !== undefined) expect(fixture.openResources?.(), 'after a read stopped early').toBe(before);
      // The provider still works after abandoned iterations.
      expect((await collect(provider.list('many/d00'))).size).toBe(MANY_PER_FOLDER);
    });

    it(`lists ${MANY_FILES} files completely, then proves the listing is streamed`, async () => {
      const all = await collect(provider.list('many'));
      expect([...all.values()].filter((entry) => !entry.isDir).length).toBe(MANY_FILES);

      // Streamed means entries come out while the walk is still going. Remove the whole folder as
      // soon as the first entry arrives: a provider that had read (and hashed) everything before
      // yielding would still report all files; a streamed one notices the removal.
      let count = 0;
      let failure: unknown;
      try {
        for await (const _entry of provider.list('many')) {
          if (count++ === 0) await fixture.remove('many');
        }
      } catch (error) {
        failure = error;
      }
      if (failure !== undefined) expect(isFerryError(failure, 'NOT_FOUND'), String(failure)).toBe(true);
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(MANY_FILES / 2);
      await expectCode(() => collect(provider.list('many')), 'NOT_FOUND');
    });
  });
}
