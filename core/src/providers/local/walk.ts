import { createHash } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { type FileHandle, lstat, open, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry } from '../../entry.js';
import { joinProviderPath } from '../provider-path.js';
import { isVanished, mapFsError, toMillis } from './fs-errors.js';

/** Opens a regular file for reading without following a final symlink and never blocking on a FIFO. */
export const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export interface WalkLimits {
  /** Folders read at once. */
  folders: number;
  /** Files hashed at once (each holds one hash buffer). */
  hashes: number;
  /** Entries waiting for the consumer before the walk pauses. */
  buffered: number;
  /** Bytes per read while hashing. */
  hashBuffer: number;
}

/** Counts open directory and file handles, so tests can check an abandoned walk let go of them. */
export interface HandleCounter {
  opened(): void;
  closed(): void;
}

/**
 * Walks `base` (an absolute folder) and yields every file and folder below it, paths relative to
 * it. Folders are read with opendir (streamed, a few dozen names at a time), files are hashed
 * (md5) as they are found, a bounded number at once; the walk pauses while `buffered` entries wait
 * for the consumer. Memory: `hashes × hashBuffer` bytes plus the folders still to visit (paths
 * only). Symbolic links and special files are skipped. A file or folder that vanishes during the
 * walk is skipped; anything else (permission, I/O) fails the walk: a listing with holes would
 * look like deletions to the crawler.
 */
export async function* walkFolder(
  base: string,
  limits: WalkLimits,
  handles: HandleCounter,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  const folders: string[] = [''];
  const buffer: Entry[] = [];
  const tasks = new Set<Promise<void>>();
  let readingFolders = 0;
  let hashing = 0;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  const waitingForRoom: (() => void)[] = [];
  const waitingForHashSlot: (() => void)[] = [];

  const notify = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const fail = (error: unknown) => {
    failure ??= { error };
    stop();
    notify();
  };
  const stop = () => {
    stopped = true;
    for (const wake of waitingForRoom.splice(0)) wake();
    for (const wake of waitingForHashSlot.splice(0)) wake();
  };
  const track = (task: Promise<void>) => {
    const settled = task.catch(fail).finally(() => {
      tasks.delete(settled);
      pump();
      notify();
    });
    tasks.add(settled);
  };

  /** Waits until the consumer has room (or the walk stopped); returns false when stopped. */
  const emit = async (entry: Entry): Promise<boolean> => {
    while (!stopped && buffer.length >= limits.buffered)
      await new Promise<void>((r) => waitingForRoom.push(r));
    if (stopped) return false;
    buffer.push(entry);
    notify();
    return true;
  };

  const hashFile = async (relative: string): Promise<void> => {
    let handle: FileHandle;
    try {
      handle = await open(join(base, relative), READ_FLAGS);
    } catch (error) {
      if (isVanished(error)) return;
      throw mapFsError(error, `hash '${relative}'`);
    }
    handles.opened();
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return;
      const hash = createHash('md5');
      const chunk = Buffer.allocUnsafe(Math.min(limits.hashBuffer, Math.max(1, stats.size)));
      let size = 0;
      for (;;) {
        if (stopped) return;
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
        if (bytesRead === 0) break;
        hash.update(chunk.subarray(0, bytesRead));
        size += bytesRead;
      }
      // Size is what was hashed, so size and hash always describe the same bytes.
      await emit({
        path: relative,
        size,
        mtime: toMillis(stats.mtimeMs),
        hash: hash.digest('hex'),
        hashType: 'md5',
        isDir: false,
      });
    } catch (error) {
      if (isVanished(error)) return;
      throw mapFsError(error, `hash '${relative}'`);
    } finally {
      await handle.close().catch(() => {});
      handles.closed();
    }
  };

  const startHash = async (relative: string): Promise<void> => {
    while (!stopped && hashing >= limits.hashes) await new Promise<void>((r) => waitingForHashSlot.push(r));
    if (stopped) return;
    hashing++;
    track(
      hashFile(relative).finally(() => {
        hashing--;
        waitingForHashSlot.shift()?.();
      }),
    );
  };

  const onDirent = async (folder: string, dirent: Dirent): Promise<void> => {
    const relative = joinProviderPath(folder, dirent.name);
    let isDir = dirent.isDirectory();
    let isFile = dirent.isFile();
    if (!isDir && !isFile && !dirent.isSymbolicLink() && !isSpecial(dirent)) {
      // The file system did not say the type (DT_UNKNOWN): ask.
      try {
        const stats = await lstat(join(base, relative));
        isDir = stats.isDirectory();
        isFile = stats.isFile();
      } catch (error) {
        if (isVanished(error)) return;
        throw mapFsError(error, `stat '${relative}'`);
      }
    }
    if (isFile) return startHash(relative);
    if (!isDir) return; // symbolic links, sockets, FIFOs, devices: not part of a backup
    let mtimeMs: number;
    try {
      mtimeMs = (await lstat(join(base, relative))).mtimeMs;
    } catch (error) {
      if (isVanished(error)) return;
      throw mapFsError(error, `stat '${relative}'`);
    }
    if (await emit({ path: relative, size: 0, mtime: toMillis(mtimeMs), isDir: true })) {
      folders.push(relative);
      pump();
    }
  };

  const readFolder = async (folder: string): Promise<void> => {
    let dir: Awaited<ReturnType<typeof opendir>>;
    try {
      dir = await opendir(join(base, folder), { bufferSize: 64 });
    } catch (error) {
      if (isVanished(error)) return;
      throw mapFsError(error, `list '${folder}'`);
    }
    handles.opened();
    try {
      for (;;) {
        if (stopped) return;
        const dirent = await dir.read();
        if (dirent === null) return;
        await onDirent(folder, dirent);
      }
    } catch (error) {
      if (isVanished(error)) return;
      throw mapFsError(error, `list '${folder}'`);
    } finally {
      await dir.close().catch(() => {});
      handles.closed();
    }
  };

  const pump = () => {
    while (!stopped && folders.length > 0 && readingFolders < limits.folders) {
      // Depth first (pop): the list of folders still to visit stays short on wide trees.
      const folder = folders.pop() as string;
      readingFolders++;
      track(
        readFolder(folder).finally(() => {
          readingFolders--;
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
      if (tasks.size === 0 && folders.length === 0) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    signal?.removeEventListener('abort', notify);
    // Stopped early, failed or done: let every reader and hasher see it, then wait for their handles.
    stop();
    while (tasks.size > 0) await Promise.allSettled([...tasks]);
  }
}

function isSpecial(dirent: Dirent): boolean {
  return dirent.isFIFO() || dirent.isSocket() || dirent.isBlockDevice() || dirent.isCharacterDevice();
}
