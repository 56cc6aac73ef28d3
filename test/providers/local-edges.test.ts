import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, FerryError, isFerryError } from '@ferry/core';
import { LocalProvider, mapFsError } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

async function listAll(provider: LocalProvider, folder = '', signal?: AbortSignal): Promise<Entry[]> {
  const entries: Entry[] = [];
  for await (const entry of provider.list(folder, signal ? { signal } : {})) entries.push(entry);
  return entries;
}

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    return 'ok';
  } catch (error) {
    return isFerryError(error) ? error.code : `untyped: ${String(error)}`;
  }
}

async function drain(iterable: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('local provider: links, edges and errors', () => {
  let base: string;
  let root: string;
  let provider: LocalProvider;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'ferry-local-edges-'));
    root = join(base, 'root');
    await mkdir(join(root, 'inside/sub'), { recursive: true });
    await mkdir(join(base, 'outside'));
    await writeFile(join(base, 'outside/secret.txt'), 'outside the root');
    await writeFile(join(root, 'inside/sub/file.txt'), 'hello');
    await symlink(join(base, 'outside'), join(root, 'link-out'));
    await symlink(join(base, 'outside/secret.txt'), join(root, 'inside/file-link.txt'));
    await symlink(join(root, 'inside/sub'), join(root, 'link-in'));
    provider = new LocalProvider({ root });
  });

  afterAll(() => rm(base, { recursive: true, force: true }));

  it('skips symbolic links in listings (never follows them)', async () => {
    const paths = (await listAll(provider)).map((entry) => entry.path).sort();
    expect(paths).toEqual(['inside', 'inside/sub', 'inside/sub/file.txt']);
  });

  it('answers NOT_FOUND for a link, and UNSAFE_PATH for a link leading out of the root', async () => {
    expect(await codeOf(() => provider.stat('inside/file-link.txt'))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.read('inside/file-link.txt')))).toBe('NOT_FOUND');
    expect(await codeOf(() => provider.stat('link-out/secret.txt'))).toBe('UNSAFE_PATH');
    expect(await codeOf(() => drain(provider.read('link-out/secret.txt')))).toBe('UNSAFE_PATH');
    expect(await codeOf(() => listAll(provider, 'link-out'))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.read('link-in/file.txt')))).toBe('NOT_FOUND');
    expect(await codeOf(() => provider.stat('../outside/secret.txt'))).toBe('UNSAFE_PATH');
  });

  it('tells a folder from a file', async () => {
    expect(await codeOf(() => drain(provider.read('inside')))).toBe('BAD_INPUT');
    expect(await codeOf(() => listAll(provider, 'inside/sub/file.txt'))).toBe('BAD_INPUT');
    expect((await provider.stat('')).isDir).toBe(true);
  });

  it('says NOT_FOUND, with a hint, when the root folder is missing', async () => {
    const missing = new LocalProvider({ root: join(base, 'no-such-root') });
    const error = await missing.stat('x').catch((e: unknown) => e);
    expect(isFerryError(error, 'NOT_FOUND')).toBe(true);
    expect((error as FerryError).hint).toMatch(/create the folder/);
  });

  it('stops a walk when its signal aborts, and lets go of its handles', async () => {
    const controller = new AbortController();
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const entry of provider.list('', { signal: controller.signal })) {
        seen.push(entry.path);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(1);
    expect((failure as Error).name).toBe('AbortError');
    expect(provider.activeHandles).toBe(0);
  });

  it('reports the file system quota from statfs', async () => {
    const quota = await provider.quota();
    expect(quota.totalBytes).toBeGreaterThan(0);
    expect(quota.freeBytes).toBeLessThanOrEqual(quota.totalBytes as number);
  });

  it('maps file-system errors to typed provider errors', () => {
    const fsError = (code: string) => Object.assign(new Error(code), { code });
    const mapped = (code: string) => {
      const result = mapFsError(fsError(code), "read 'a'");
      return result instanceof FerryError ? result.code : 'unchanged';
    };
    expect(mapped('ENOENT')).toBe('NOT_FOUND');
    expect(mapped('ENOTDIR')).toBe('NOT_FOUND');
    expect(mapped('EACCES')).toBe('PERMISSION');
    expect(mapped('EPERM')).toBe('PERMISSION');
    expect(mapped('EMFILE')).toBe('TRANSIENT');
    expect(mapped('EIO')).toBe('TRANSIENT');
    expect(mapped('EXDEV')).toBe('unchanged');
  });
});
