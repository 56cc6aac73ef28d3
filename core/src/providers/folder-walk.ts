import type { Entry } from '../entry.js';
import { isFerryError } from '../errors.js';

/** What one folder's listing gives (or one chunk of it): entries and the folders to descend into. */
export interface FolderPage {
  /** Files and folders directly inside, paths relative to the walk's base folder. */
  entries: Entry[];
  /** Folders to list next, paths relative to the walk's base folder. */
  folders: string[];
}

/**
 * A folder's listing: one page, or pages as the folder is read (SFTP readdir chunks, opendir). A
 * streamed folder is read on only while the walk has room; stopping early returns its iterator.
 */
export type FolderListing = Promise<FolderPage> | AsyncIterable<FolderPage>;

/**
 * A step files take before they are yielded, for a hash the listing does not give (an md5sum
 * command, reading the file). Files are grouped across folders, because one call may have a high
 * fixed cost; a group smaller than `batch` goes once every folder has been listed.
 */
export interface FileStage {
  /** Files per call. */
  batch: number;
  /** Calls at once. */
  concurrency: number;
  /** The files as they are to be yielded; a file left out vanished meanwhile. */
  complete(files: Entry[], signal: AbortSignal): Promise<Entry[]>;
}

export interface FolderWalkOptions {
  /** Folders listed at once. */
  concurrency: number;
  /** No new folder (or chunk of one) is asked for while this many entries wait for the consumer. */
  buffered: number;
  /** Absent: files are yielded as listed. */
  files?: FileStage;
  signal?: AbortSignal;
}

/**
 * Walks a tree one folder at a time (PROPFIND Depth: 1, rclone's operations/list, SFTP readdir…)
 * and yields entries as folder pages come back: `listFolder('')` is the base, then every folder
 * it names. At most `concurrency` folders are listed at once, and none is started (nor a streamed
 * one read on) while `buffered` entries wait, so memory follows a few folders, not the tree. A
 * subfolder that answers NOT_FOUND vanished after its parent was listed and is skipped (the base
 * answering NOT_FOUND fails the walk); any other error, of a listing or of the file stage, fails
 * it. Stopping early (break, abort) aborts the signal given to `listFolder` and to the file stage,
 * and waits for every listing and file call in flight before `return()` resolves.
 */
export async function* walkFolders(
  listFolder: (folder: string, signal: AbortSignal) => FolderListing,
  options: FolderWalkOptions,
): AsyncGenerator<Entry> {
  const { files } = options;
  const controller = new AbortController();
  const pending: string[] = [''];
  const buffer: Entry[] = [];
  /** Listed files waiting for the file stage. */
  const unfinished: Entry[] = [];
  const inflight = new Set<Promise<void>>();
  let listing = 0;
  let completing = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const waitingForRoom: (() => void)[] = [];
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const wakeListings = () => {
    for (const resume of waitingForRoom.splice(0)) resume();
  };
  const stop = () => {
    controller.abort(options.signal?.reason);
    wakeListings();
    notify();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  const hasRoom = () =>
    buffer.length < options.buffered && (files === undefined || unfinished.length < 2 * files.batch);

  const add = (page: FolderPage) => {
    for (const entry of page.entries) (files !== undefined && !entry.isDir ? unfinished : buffer).push(entry);
    // Reversed so that pop() visits them in the order given (depth first, short queue).
    for (let i = page.folders.length - 1; i >= 0; i--) pending.push(page.folders[i] as string);
  };
  const track = (task: Promise<void>, done: () => void) => {
    const settled: Promise<void> = task.finally(() => {
      done();
      inflight.delete(settled);
      schedule();
      notify();
    });
    inflight.add(settled);
  };

  const readFolder = async (folder: string): Promise<void> => {
    const listed = listFolder(folder, controller.signal);
    if (!(Symbol.asyncIterator in listed)) {
      add(await listed);
      return;
    }
    for await (const page of listed) {
      add(page);
      schedule();
      notify();
      while (!controller.signal.aborted && !hasRoom()) await new Promise<void>((r) => waitingForRoom.push(r));
      if (controller.signal.aborted) return;
    }
  };
  const startListing = (folder: string) => {
    listing++;
    const task = readFolder(folder).catch((error: unknown) => {
      if (folder !== '' && isFerryError(error, 'NOT_FOUND')) return;
      failure ??= { error };
    });
    track(task, () => listing--);
  };
  const startCompleting = (stage: FileStage, batch: Entry[]) => {
    completing++;
    const task = stage.complete(batch, controller.signal).then(
      (done) => {
        for (const entry of done) buffer.push(entry);
      },
      (error: unknown) => {
        failure ??= { error };
      },
    );
    track(task, () => completing--);
  };

  /** Starts what may start: folders while there is room, file calls, and paused streamed folders. */
  function schedule(): void {
    if (failure !== undefined || controller.signal.aborted) return;
    while (pending.length > 0 && listing < options.concurrency && hasRoom())
      startListing(pending.pop() as string);
    if (files !== undefined) {
      const listed = listing === 0 && pending.length === 0;
      while (
        completing < files.concurrency &&
        buffer.length < options.buffered &&
        (unfinished.length >= files.batch || (listed && unfinished.length > 0))
      )
        startCompleting(files, unfinished.splice(0, files.batch));
    }
    if (hasRoom()) wakeListings();
  }

  try {
    for (;;) {
      options.signal?.throwIfAborted();
      if (failure !== undefined) throw failure.error;
      schedule();
      if (buffer.length > 0) {
        yield buffer.shift() as Entry;
        continue;
      }
      if (inflight.size === 0 && pending.length === 0 && unfinished.length === 0) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
    controller.abort();
    wakeListings();
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  }
}
