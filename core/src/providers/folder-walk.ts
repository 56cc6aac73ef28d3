import type { Entry } from '../entry.js';
import { isFerryError } from '../errors.js';

/** What one folder's listing gives: its entries and the folders to descend into. */
export interface FolderPage {
  /** Files and folders directly inside, paths relative to the walk's base folder. */
  entries: Entry[];
  /** Folders to list next, paths relative to the walk's base folder. */
  folders: string[];
}

export interface FolderWalkOptions {
  /** Folders listed at once. */
  concurrency: number;
  /** No new folder is asked for while this many entries wait for the consumer. */
  buffered: number;
  signal?: AbortSignal;
}

/**
 * Walks a tree one folder at a time (PROPFIND Depth: 1, rclone's operations/list, SFTP readdir…)
 * and yields entries as folder pages come back: `listFolder('')` is the base, then every folder
 * it names. At most `concurrency` folders are listed at once, and none is started while
 * `buffered` entries wait, so memory follows a few folders, not the tree. A subfolder that
 * answers NOT_FOUND vanished after its parent was listed and is skipped (the base answering
 * NOT_FOUND fails the walk); any other error fails it. Stopping early (break, abort) aborts the
 * signal given to `listFolder` and waits for every listing in flight before `return()` resolves.
 */
export async function* walkFolders(
  listFolder: (folder: string, signal: AbortSignal) => Promise<FolderPage>,
  options: FolderWalkOptions,
): AsyncGenerator<Entry> {
  const controller = new AbortController();
  const pending: string[] = [''];
  const buffer: Entry[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onAbort = () => {
    controller.abort(options.signal?.reason);
    notify();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const start = (folder: string) => {
    const task: Promise<void> = listFolder(folder, controller.signal)
      .then(
        (page) => {
          for (const entry of page.entries) buffer.push(entry);
          // Reversed so that pop() visits them in the order given (depth first, short queue).
          for (let i = page.folders.length - 1; i >= 0; i--) pending.push(page.folders[i] as string);
        },
        (error: unknown) => {
          if (folder !== '' && isFerryError(error, 'NOT_FOUND')) return;
          failure ??= { error };
        },
      )
      .finally(() => {
        inflight.delete(task);
        notify();
      });
    inflight.add(task);
  };

  try {
    for (;;) {
      options.signal?.throwIfAborted();
      if (failure !== undefined) throw failure.error;
      while (pending.length > 0 && inflight.size < options.concurrency && buffer.length < options.buffered)
        start(pending.pop() as string);
      if (buffer.length > 0) {
        yield buffer.shift() as Entry;
        continue;
      }
      if (inflight.size === 0 && pending.length === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    controller.abort();
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  }
}
