import type { Entry } from '../../entry.js';
import { joinProviderPath } from '../provider-path.js';
import { isNoSuchFile } from './sftp-errors.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** What a READDIR answer says about one name (SFTP v3 attributes: mtime in whole seconds). */
export interface RawEntry {
  filename: string;
  attrs: { mode: number; size: number; mtime: number };
}

export type EntryKind = 'file' | 'folder' | 'other';

/** Regular files and folders are backed up; links (never followed), sockets, devices are not. */
export function entryKind(mode: number): EntryKind {
  const type = mode & S_IFMT;
  if (type === S_IFREG) return 'file';
  if (type === S_IFDIR) return 'folder';
  return 'other';
}

export interface WalkSource {
  /** The entries of a folder (relative to the walk's base) in the chunks the server sends. */
  readFolder(folder: string): AsyncGenerator<RawEntry[]>;
  /** md5 of files (relative paths); a path left out vanished. Absent: entries carry no hash. */
  hashFiles?(paths: readonly string[]): Promise<Map<string, string>>;
}

export interface WalkLimits {
  /** Folders read at once. */
  folders: number;
  /** Entries waiting for the consumer before the walk pauses. */
  buffered: number;
  /** Files per `hashFiles` call (across folders: one call has a high fixed cost). */
  hashBatch: number;
  /** `hashFiles` calls at once. */
  hashers: number;
}

/**
 * Yields every file and folder below the walk's base, relative to it, as folders are read:
 * `folders` at once, depth first, pausing while `buffered` entries wait for the consumer. A folder
 * or file that vanishes during the walk is skipped; any other failure fails the walk (a listing
 * with holes would look like deletions to the crawler). Stopping early (break, abort) closes every
 * folder being read before `return()` resolves.
 */
export async function* walk(
  source: WalkSource,
  limits: WalkLimits,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  const folders: string[] = [''];
  const buffer: Entry[] = [];
  const tasks = new Set<Promise<void>>();
  let reading = 0;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  const waitingForRoom: (() => void)[] = [];
  const waitingForHashRoom: (() => void)[] = [];
  // Files waiting to be hashed, from any folder: one hash call has a high fixed cost (a remote
  // command), so files are batched across folders; the rest is hashed once no folder is read.
  const unhashed: Entry[] = [];
  let hashing = 0;
  const hashFiles = source.hashFiles;

  const notify = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const stop = () => {
    stopped = true;
    for (const wake of waitingForRoom.splice(0)) wake();
    for (const wake of waitingForHashRoom.splice(0)) wake();
  };
  const fail = (error: unknown) => {
    failure ??= { error };
    stop();
    notify();
  };
  const idle = () => reading === 0 && folders.length === 0;
  const track = (task: Promise<void>) => {
    const settled: Promise<void> = task.catch(fail).finally(() => {
      tasks.delete(settled);
      pump();
      startHashing(idle());
      notify();
    });
    tasks.add(settled);
  };

  const emit = async (entry: Entry): Promise<boolean> => {
    while (!stopped && buffer.length >= limits.buffered)
      await new Promise<void>((r) => waitingForRoom.push(r));
    if (stopped) return false;
    buffer.push(entry);
    notify();
    return true;
  };

  const hashBatch = async (files: readonly Entry[]): Promise<void> => {
    const hashes = await (hashFiles as NonNullable<typeof hashFiles>)(files.map((file) => file.path));
    for (const file of files) {
      const hash = hashes.get(file.path);
      if (hash === undefined) continue; // removed between READDIR and the hash
      if (!(await emit({ ...file, hash, hashType: 'md5' }))) return;
    }
  };
  const startHashing = (all: boolean) => {
    while (
      !stopped &&
      hashing < limits.hashers &&
      (unhashed.length >= limits.hashBatch || (all && unhashed.length > 0))
    ) {
      const batch = unhashed.splice(0, limits.hashBatch);
      hashing++;
      track(
        hashBatch(batch).finally(() => {
          hashing--;
        }),
      );
    }
    while (unhashed.length < 2 * limits.hashBatch && waitingForHashRoom.length > 0)
      waitingForHashRoom.shift()?.();
  };
  const addFile = async (file: Entry): Promise<boolean> => {
    if (hashFiles === undefined) return emit(file);
    while (!stopped && unhashed.length >= 2 * limits.hashBatch)
      await new Promise<void>((r) => waitingForHashRoom.push(r));
    if (stopped) return false;
    unhashed.push(file);
    startHashing(false);
    return true;
  };

  const onChunk = async (folder: string, chunk: readonly RawEntry[]): Promise<boolean> => {
    for (const raw of chunk) {
      const kind = entryKind(raw.attrs.mode);
      if (kind === 'other') continue;
      const path = joinProviderPath(folder, raw.filename);
      const mtime = raw.attrs.mtime * 1000;
      if (kind === 'folder') {
        if (!(await emit({ path, size: 0, mtime, isDir: true }))) return false;
        folders.push(path);
        pump();
      } else if (!(await addFile({ path, size: raw.attrs.size, mtime, isDir: false }))) return false;
    }
    return true;
  };

  const readFolder = async (folder: string): Promise<void> => {
    const chunks = source.readFolder(folder);
    try {
      for await (const chunk of chunks) if (stopped || !(await onChunk(folder, chunk))) return;
    } catch (error) {
      // The base folder was checked before the walk; a subfolder gone since was deleted meanwhile.
      if (folder !== '' && isNoSuchFile(error)) return;
      throw error;
    } finally {
      await chunks.return(undefined);
    }
  };

  const pump = () => {
    while (!stopped && folders.length > 0 && reading < limits.folders) {
      // Depth first (pop): the list of folders still to visit stays short on wide trees.
      const folder = folders.pop() as string;
      reading++;
      track(
        readFolder(folder).finally(() => {
          reading--;
        }),
      );
    }
  };

  signal?.addEventListener('abort', notify);
  pump();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const entry = buffer.shift();
      if (entry !== undefined) {
        waitingForRoom.shift()?.();
        yield entry;
        continue;
      }
      if (failure !== undefined) throw failure.error;
      if (tasks.size === 0 && folders.length === 0 && unhashed.length === 0) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    // Stopped early, failed or done: let every reader see it, then wait for their handles to close.
    stop();
    while (tasks.size > 0) await Promise.allSettled([...tasks]);
  }
}
