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
        const onAbort = () => {
          clearImmediate(timer);
          // Like a socket, an aborted listing takes a moment to let go.
          setImmediate(() => reject(signal.reason));
        };
        const timer = setImmediate(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
        signal.addEventListener('abort', onAbort, { once: true });
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

describe('walkFolders: streamed folders', () => {
  /** Folder `folder` has `chunks` chunks of `size` files, and the base also names folders `d0`, `d1`. */
  function streamedTree(chunks: number, size: number) {
    const read: string[] = [];
    let open = 0;
    const list = async function* (folder: string): AsyncGenerator<FolderPage> {
      open++;
      try {
        for (let c = 0; c < chunks; c++) {
          read.push(`${folder}#${c}`);
          const entries: Entry[] = Array.from({ length: size }, (_, i) => ({
            path: joinProviderPath(folder, `f${c}-${i}`),
            size: 1,
            mtime: 0,
            isDir: false,
          }));
          const folders = folder === '' && c === 0 ? ['d0', 'd1'] : [];
          for (const sub of folders) entries.push({ path: sub, size: 0, mtime: 0, isDir: true });
          yield { entries, folders };
        }
      } finally {
        open--;
      }
    };
    return { list, read, open: () => open };
  }

  it('yields every chunk of every folder', async () => {
    const tree = streamedTree(3, 4);
    const paths = await collect(walkFolders(tree.list, { concurrency: 2, buffered: 5 }));
    // 3 folders × 3 chunks × 4 files, and the two folders named.
    expect(paths.length).toBe(3 * 3 * 4 + 2);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths).toContain('d1/f2-3');
  });

  it('reads no further chunk while `buffered` entries wait, and closes the folder when stopped', async () => {
    const tree = streamedTree(50, 10);
    const walk = walkFolders(tree.list, { concurrency: 1, buffered: 15 });
    await walk.next();
    await new Promise((resolve) => setImmediate(resolve));
    // The first chunk (12 entries) left room for one more; the second filled the buffer.
    expect(tree.read).toEqual(['#0', '#1']);
    await walk.return(undefined);
    expect(tree.open()).toBe(0);
    expect(tree.read.length).toBeLessThanOrEqual(3);
  });

  it('skips a subfolder that vanishes midway, keeping what it gave', async () => {
    const list = async function* (folder: string): AsyncGenerator<FolderPage> {
      if (folder === '') {
        yield { entries: [{ path: 'd', size: 0, mtime: 0, isDir: true }], folders: ['d'] };
        return;
      }
      yield { entries: [{ path: 'd/a', size: 1, mtime: 0, isDir: false }], folders: [] };
      throw new FerryError('NOT_FOUND', 'd is gone');
    };
    expect(await collect(walkFolders(list, { concurrency: 2, buffered: 10 }))).toEqual(['d', 'd/a']);
  });
});

describe('walkFolders: a file stage', () => {
  const tree = fakeTree(3, 2, 2); // 1 + 3 + 9 folders, 2 files each, 12 folders named
  const hashed = (files: Entry[]) => files.map((file) => ({ ...file, hash: `h:${file.path}` }));

  it('sends files through it in batches across folders, the rest once all is listed', async () => {
    const calls: number[] = [];
    let running = 0;
    let peak = 0;
    const walk = walkFolders(tree.list, {
      concurrency: 2,
      buffered: 100,
      files: {
        batch: 5,
        concurrency: 1,
        complete: async (files) => {
          calls.push(files.length);
          peak = Math.max(peak, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return hashed(files);
        },
      },
    });
    const entries: Entry[] = [];
    for await (const entry of walk) entries.push(entry);
    expect(entries.length).toBe(13 * 2 + 12);
    expect(entries.filter((entry) => !entry.isDir).every((entry) => entry.hash === `h:${entry.path}`)).toBe(
      true,
    );
    expect(entries.filter((entry) => entry.isDir).every((entry) => entry.hash === undefined)).toBe(true);
    // 26 files: five full batches and the last one.
    expect(calls.toSorted()).toEqual([1, 5, 5, 5, 5, 5]);
    expect(peak).toBe(1);
  });

  it('leaves out the files the stage leaves out, and fails the walk when it fails', async () => {
    const kept = await collect(
      walkFolders(tree.list, {
        concurrency: 2,
        buffered: 100,
        files: {
          batch: 4,
          concurrency: 1,
          complete: async (files) => files.filter((f) => f.path.endsWith('f0')),
        },
      }),
    );
    expect(kept.some((path) => path.endsWith('f1'))).toBe(false);
    expect(kept.filter((path) => path.endsWith('f0')).length).toBe(13);
    const error = await collect(
      walkFolders(tree.list, {
        concurrency: 2,
        buffered: 100,
        files: {
          batch: 4,
          concurrency: 1,
          complete: async () => Promise.reject(new FerryError('TRANSIENT', 'x')),
        },
      }),
    ).catch((e: unknown) => e);
    expect(isFerryError(error, 'TRANSIENT')).toBe(true);
  });
});
