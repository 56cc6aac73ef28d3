import { describe, expect, it } from 'vitest';
import type { Entry } from '../entry.js';
import { FerryError, isFerryError } from '../errors.js';
import { type FolderPage, walkFolders } from './folder-walk.js';
import { joinProviderPath } from './provider-path.js';

/** A tree of `width` folders per level, `depth` levels, `files` files per folder. */
function fakeTree(width: number, depth: number, files: number) {
  let running = 0;
  let peak = 0;
  let settled = 0;
  const started: string[] = [];
  const missing = new Set<string>();
  const list = async (folder: string, signal: AbortSignal): Promise<FolderPage> => {
    started.push(folder);
    running++;
    peak = Math.max(peak, running);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setImmediate(resolve);
        signal.addEventListener('abort', () => {
          clearImmediate(timer);
          // Like a socket, an aborted listing takes a moment to let go.
          setImmediate(() => reject(signal.reason));
        });
      });
      if (missing.has(folder)) throw new FerryError('NOT_FOUND', `${folder} is gone`);
      const level = folder === '' ? 0 : folder.split('/').length;
      const page: FolderPage = { entries: [], folders: [] };
      for (let i = 0; i < files; i++)
        page.entries.push({ path: joinProviderPath(folder, `f${i}`), size: i, mtime: 0, isDir: false });
      if (level < depth)
        for (let i = 0; i < width; i++) {
          const sub = joinProviderPath(folder, `d${i}`);
          page.entries.push({ path: sub, size: 0, mtime: 0, isDir: true });
          page.folders.push(sub);
        }
      return page;
    } finally {
      running--;
      settled++;
    }
  };
  return { list, missing, started, peak: () => peak, running: () => running, settled: () => settled };
}

async function collect(iterable: AsyncIterable<Entry>): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of iterable) paths.push(entry.path);
  return paths;
}

describe('walkFolders', () => {
  it('yields every entry of the tree once, with at most `concurrency` folders in flight', async () => {
    const tree = fakeTree(3, 3, 2);
    const paths = await collect(walkFolders(tree.list, { concurrency: 2, buffered: 1000 }));
    // 1 + 3 + 9 + 27 folders listed, each with 2 files; 3 + 9 + 27 folders named.
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.length).toBe(40 * 2 + 39);
    expect(paths).toContain('d2/d0/d1/f1');
    expect(tree.peak()).toBe(2);
  });

  it('does not ask for more folders while `buffered` entries wait', async () => {
    const tree = fakeTree(10, 2, 50);
    const walk = walkFolders(tree.list, { concurrency: 4, buffered: 20 });
    await walk.next();
    // The base page (60 entries) is over the bound: nothing else was started.
    expect(tree.started).toEqual(['']);
    await walk.return(undefined);
  });

  it('skips a subfolder that vanished, but fails when the base is missing', async () => {
    const tree = fakeTree(2, 2, 1);
    tree.missing.add('d1');
    const paths = await collect(walkFolders(tree.list, { concurrency: 2, buffered: 100 }));
    expect(paths).toContain('d1');
    expect(paths.some((path) => path.startsWith('d1/'))).toBe(false);
    expect(paths).toContain('d0/d1/f0');
    tree.missing.add('');
    const error = await collect(walkFolders(tree.list, { concurrency: 2, buffered: 100 })).catch((e) => e);
    expect(isFerryError(error, 'NOT_FOUND')).toBe(true);
  });

  it('fails the walk on any other error', async () => {
    const list = async (folder: string): Promise<FolderPage> => {
      if (folder === 'd') throw new FerryError('PERMISSION', 'no');
      return { entries: [{ path: 'd', size: 0, mtime: 0, isDir: true }], folders: ['d'] };
    };
    const error = await collect(walkFolders(list, { concurrency: 2, buffered: 100 })).catch((e) => e);
    expect(isFerryError(error, 'PERMISSION')).toBe(true);
  });

  it('aborts the listings in flight and waits for them when the consumer stops', async () => {
    const tree = fakeTree(8, 2, 1);
    let seen = 0;
    for await (const _entry of walkFolders(tree.list, { concurrency: 4, buffered: 1000 }))
      if (++seen === 2) break;
    expect(tree.running()).toBe(0);
    expect(tree.settled()).toBe(tree.started.length);
    expect(tree.started.length).toBeLessThan(1 + 8 + 64);
  });

  it('stops with the signal reason when the signal aborts', async () => {
    const tree = fakeTree(4, 3, 1);
    const controller = new AbortController();
    const error = await (async () => {
      for await (const _entry of walkFolders(tree.list, {
        concurrency: 2,
        buffered: 1000,
        signal: controller.signal,
      }))
        controller.abort(new Error('enough'));
    })().catch((e: unknown) => e);
    expect((error as Error).message).toBe('enough');
    expect(tree.running()).toBe(0);
  });
});
