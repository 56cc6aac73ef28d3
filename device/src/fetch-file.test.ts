import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, FerryError, md5Hex, type Provider, type ReadOptions } from '@ferry/core';
import { MemoryProvider } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';
import { nodeDisk } from './disk-io.js';
import { faultyDisk } from './faulty-disk.js';
import { fetchFile, PART_SUFFIX } from './fetch-file.js';

const SIZE = 96 * 1024;
const CHUNK = 8 * 1024;

/** The memory provider, counting the body bytes it sends (what a resume must save). */
function counting(inner: Provider): Provider & { bytesSent: number; offsets: number[] } {
  const wrapped = {
    name: inner.name,
    capabilities: inner.capabilities,
    bytesSent: 0,
    offsets: [] as number[],
    list: (folder: string, options?: { signal?: AbortSignal }) => inner.list(folder, options),
    stat: (path: string, options?: { signal?: AbortSignal }) => inner.stat(path, options),
    async *read(path: string, options?: ReadOptions) {
      wrapped.offsets.push(options?.offset ?? 0);
      for await (const chunk of inner.read(path, options)) {
        wrapped.bytesSent += chunk.byteLength;
        yield chunk;
      }
    },
  };
  return wrapped;
}

describe('fetchFile', () => {
  let dir: string;
  let memory: MemoryProvider;
  let provider: ReturnType<typeof counting>;
  let body: Uint8Array;
  let entry: Entry;
  let finalPath: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-fetch-'));
    memory = new MemoryProvider({ chunkSize: CHUNK });
    provider = counting(memory);
    body = new Uint8Array(randomBytes(SIZE));
    memory.put('docs/report.bin', body, { mtime: 1_650_000_123_000 });
    entry = await memory.stat('docs/report.bin');
    finalPath = join(dir, 'c1', 'docs', 'report.bin');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const request = (overrides: Partial<Parameters<typeof fetchFile>[0]> = {}) => ({
    provider,
    sourcePath: 'docs/report.bin',
    entry,
    finalPath,
    resume: false,
    disk: nodeDisk,
    ...overrides,
  });

  it('writes the bytes and the cloud mtime under the final name, and leaves no part file', async () => {
    const result = await fetchFile(request());
    expect(new Uint8Array(await readFile(finalPath))).toEqual(body);
    expect(Math.trunc((await stat(finalPath)).mtimeMs)).toBe(entry.mtime);
    expect(await readdir(join(dir, 'c1', 'docs'))).toEqual(['report.bin']);
    expect(result).toEqual({ downloaded: SIZE, resumedFrom: 0, verified: true });
    expect(provider.bytesSent).toBe(SIZE);
  });

  it('resumes a part holding the first half: only the rest is read from the provider', async () => {
    const half = SIZE / 2;
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    await writeFile(finalPath + PART_SUFFIX, body.subarray(0, half));

    const resumedAt: number[] = [];
    const result = await fetchFile(
      request({ resume: true, onResume: (offset) => void resumedAt.push(offset) }),
    );
    expect(result).toEqual({ downloaded: SIZE - half, resumedFrom: half, verified: true });
    expect(resumedAt).toEqual([half]);
    expect(provider.offsets).toEqual([half]);
    expect(provider.bytesSent).toBe(SIZE - half);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(body);
  });

  it('ignores a part file when the caller says it holds another version', async () => {
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    await writeFile(finalPath + PART_SUFFIX, body.subarray(0, SIZE / 2));
    const result = await fetchFile(request({ resume: false }));
    expect(result.resumedFrom).toBe(0);
    expect(provider.offsets).toEqual([0]);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(body);
  });

  it('detects a part whose prefix is wrong, drops it, and the next try starts from 0', async () => {
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    const wrong = new Uint8Array(body.subarray(0, SIZE / 2));
    wrong[100] = (wrong[100] ?? 0) ^ 0xff;
    await writeFile(finalPath + PART_SUFFIX, wrong);

    await expect(fetchFile(request({ resume: true }))).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    expect(await nodeDisk.stat(finalPath + PART_SUFFIX)).toBeUndefined();
    expect(await nodeDisk.stat(finalPath)).toBeUndefined();

    provider.offsets = [];
    const again = await fetchFile(request({ resume: true }));
    expect(again.resumedFrom).toBe(0);
    expect(provider.offsets).toEqual([0]);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(body);
  });

  it('a truncated body is TRUNCATED: no final file, the part keeps what arrived for the resume', async () => {
    memory.setFaults({ truncated: { every: 1, fraction: 0.25 } });
    await expect(fetchFile(request())).rejects.toMatchObject({ code: 'TRUNCATED' });
    expect(await nodeDisk.stat(finalPath)).toBeUndefined();
    expect((await stat(finalPath + PART_SUFFIX)).size).toBe(SIZE / 4);

    memory.setFaults({});
    const result = await fetchFile(request({ resume: true }));
    expect(result.resumedFrom).toBe(SIZE / 4);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(body);
  });

  it('a body shorter than the listing (the provider ends without an error) is TRUNCATED', async () => {
    const announced = { ...entry, size: SIZE + 10 };
    const error = await fetchFile(request({ entry: announced })).catch((caught) => caught);
    expect(error).toBeInstanceOf(FerryError);
    expect(error.code).toBe('TRUNCATED');
    expect(await nodeDisk.stat(finalPath)).toBeUndefined();
  });

  it('a hash mismatch deletes the part and never replaces the final file', async () => {
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    await writeFile(finalPath, 'the old content');
    const lying = { ...entry, hash: md5Hex(new TextEncoder().encode('something else')) };
    let kept = 0;
    await expect(
      fetchFile(request({ entry: lying, beforeReplace: async () => void kept++ })),
    ).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    expect(await readFile(finalPath, 'utf8')).toBe('the old content');
    expect(await nodeDisk.stat(finalPath + PART_SUFFIX)).toBeUndefined();
    expect(kept).toBe(0);
  });

  it('checks the hash types other clouds give (quickxor, crc32), not only md5', async () => {
    for (const hashType of ['quickxor', 'crc32'] as const) {
      const right = contentHash(hashType);
      right.update(body);
      const path = join(dir, 'c1', `${hashType}.bin`);
      const result = await fetchFile(
        request({ entry: { ...entry, hashType, hash: right.digest() }, finalPath: path }),
      );
      expect(result.verified).toBe(true);
      const wrong = { ...entry, hashType, hash: hashType === 'crc32' ? '00000000' : '00'.repeat(20) };
      await expect(fetchFile(request({ entry: wrong, finalPath: `${path}.2` }))).rejects.toMatchObject({
        code: 'HASH_MISMATCH',
      });
      expect(await nodeDisk.stat(`${path}.2`)).toBeUndefined();
    }
  });

  it('more bytes than the listing announced is refused before they reach the final name', async () => {
    const announced = { ...entry, size: SIZE - 1 };
    await expect(fetchFile(request({ entry: announced }))).rejects.toMatchObject({ code: 'HASH_MISMATCH' });
    expect(await nodeDisk.stat(finalPath)).toBeUndefined();
  });

  it('an abort mid-way leaves the final name untouched (the old content when replacing)', async () => {
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    await writeFile(finalPath, 'the old content');
    const stop = new AbortController();
    let seen = 0;
    const onBytes = (bytes: number) => {
      seen += bytes;
      if (seen >= 3 * CHUNK) stop.abort(new Error('device stopping'));
    };
    await expect(fetchFile(request({ signal: stop.signal, onBytes }))).rejects.toThrow();
    expect(await readFile(finalPath, 'utf8')).toBe('the old content');
    const part = await stat(finalPath + PART_SUFFIX);
    expect(part.size).toBeGreaterThanOrEqual(3 * CHUNK);
    expect(part.size).toBeLessThan(SIZE);
  });

  it('replacing a file calls beforeReplace with the final name while it still holds the old content', async () => {
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    await writeFile(finalPath, 'the old content');
    const seen: string[] = [];
    await fetchFile(
      request({ beforeReplace: async (path) => void seen.push(`${path}=${await readFile(path, 'utf8')}`) }),
    );
    expect(seen).toEqual([`${finalPath}=the old content`]);
    expect(new Uint8Array(await readFile(finalPath))).toEqual(body);
  });

  it('a failed rename leaves the verified part and the old final file', async () => {
    await nodeDisk.mkdir(join(dir, 'c1', 'docs'));
    await writeFile(finalPath, 'the old content');
    const disk = faultyDisk(nodeDisk, { failRenames: true });
    await expect(fetchFile(request({ disk }))).rejects.toMatchObject({ code: 'EIO' });
    expect(await readFile(finalPath, 'utf8')).toBe('the old content');
    expect(new Uint8Array(await readFile(finalPath + PART_SUFFIX))).toEqual(body);
  });

  it('ENOSPC on write surfaces as the errno error, and nothing lands under the final name', async () => {
    const disk = faultyDisk(nodeDisk, { spaceLeft: 2 * CHUNK });
    await expect(fetchFile(request({ disk }))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await nodeDisk.stat(finalPath)).toBeUndefined();
  });

  it('an empty file is written too', async () => {
    memory.put('empty', new Uint8Array(0), { mtime: 1_600_000_000_000 });
    const empty = await memory.stat('empty');
    const path = join(dir, 'c1', 'empty');
    await fetchFile(request({ sourcePath: 'empty', entry: empty, finalPath: path }));
    expect((await stat(path)).size).toBe(0);
    expect(Math.trunc((await stat(path)).mtimeMs)).toBe(empty.mtime);
  });
});
