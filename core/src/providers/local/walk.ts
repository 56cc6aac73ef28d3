import { createHash } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { type FileHandle, lstat, open, opendir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Entry } from '../../entry.js';
import { type FolderPage, walkFolders } from '../folder-walk.js';
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
 * it, through walkFolders. Folders are read with opendir (streamed, a few dozen names at a time),
 * files are hashed (md5) as they are found, `hashes` at once; the walk pauses while `buffered`
 * entries wait for the consumer. Memory: `hashes × hashBuffer` bytes plus the folders still to
 * visit (paths only). Symbolic links and special files are skipped. A file or folder that
 * vanishes during the walk is skipped; anything else (permission, I/O) fails the walk: a listing
 * with holes would look like deletions to the crawler.
 */
export function walkFolder(
  base: string,
  limits: WalkLimits,
  handles: HandleCounter,
  signal?: AbortSignal,
): AsyncGenerator<Entry> {
  return walkFolders((folder) => readFolder(base, folder, handles), {
    concurrency: limits.folders,
    buffered: limits.buffered,
    files: {
      batch: 1,
      concurrency: limits.hashes,
      complete: async ([file], stop) => {
        const hashed = await hashFile(base, (file as Entry).path, limits.hashBuffer, handles, stop);
        return hashed === undefined ? [] : [hashed];
      },
    },
    ...(signal !== undefined && { signal }),
  });
}

/**
 * A listed file with its md5, size and mtime read from the open file (size is what was hashed, so
 * size and hash always describe the same bytes); undefined when it vanished, is no longer a
 * regular file, or the walk stopped.
 */
async function hashFile(
  base: string,
  relative: string,
  bufferSize: number,
  handles: HandleCounter,
  stop: AbortSignal,
): Promise<Entry | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(join(base, relative), READ_FLAGS);
  } catch (error) {
    if (isVanished(error)) return undefined;
    throw mapFsError(error, `hash '${relative}'`);
  }
  handles.opened();
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    const hash = createHash('md5');
    const chunk = Buffer.allocUnsafe(Math.min(bufferSize, Math.max(1, stats.size)));
    let size = 0;
    for (;;) {
      if (stop.aborted) return undefined;
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      hash.update(chunk.subarray(0, bytesRead));
      size += bytesRead;
    }
    return {
      path: relative,
      size,
      mtime: toMillis(stats.mtimeMs),
      hash: hash.digest('hex'),
      hashType: 'md5',
      isDir: false,
    };
  } catch (error) {
    if (isVanished(error)) return undefined;
    throw mapFsError(error, `hash '${relative}'`);
  } finally {
    await handle.close().catch(() => {});
    handles.closed();
  }
}

/**
 * One folder read with opendir, a page per name: a folder with its mtime, or a file to hash (its
 * size and mtime come with the hash). Links and special files are left out; a folder that
 * vanished is empty.
 */
async function* readFolder(base: string, folder: string, handles: HandleCounter): AsyncGenerator<FolderPage> {
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
      const dirent = await dir.read();
      if (dirent === null) return;
      const page = await pageOf(base, joinProviderPath(folder, dirent.name), dirent);
      if (page !== undefined) yield page;
    }
  } catch (error) {
    if (isVanished(error)) return;
    throw mapFsError(error, `list '${folder}'`);
  } finally {
    await dir.close().catch(() => {});
    handles.closed();
  }
}

async function pageOf(base: string, relative: string, dirent: Dirent): Promise<FolderPage | undefined> {
  let isDir = dirent.isDirectory();
  let isFile = dirent.isFile();
  if (!isDir && !isFile && !dirent.isSymbolicLink() && !isSpecial(dirent)) {
    // The file system did not say the type (DT_UNKNOWN): ask.
    try {
      const stats = await lstat(join(base, relative));
      isDir = stats.isDirectory();
      isFile = stats.isFile();
    } catch (error) {
      if (isVanished(error)) return undefined;
      throw mapFsError(error, `stat '${relative}'`);
    }
  }
  if (isFile) return { entries: [{ path: relative, size: 0, mtime: 0, isDir: false }], folders: [] };
  if (!isDir) return undefined; // symbolic links, sockets, FIFOs, devices: not part of a backup
  let mtimeMs: number;
  try {
    mtimeMs = (await lstat(join(base, relative))).mtimeMs;
  } catch (error) {
    if (isVanished(error)) return undefined;
    throw mapFsError(error, `stat '${relative}'`);
  }
  return {
    entries: [{ path: relative, size: 0, mtime: toMillis(mtimeMs), isDir: true }],
    folders: [relative],
  };
}

function isSpecial(dirent: Dirent): boolean {
  return dirent.isFIFO() || dirent.isSocket() || dirent.isBlockDevice() || dirent.isCharacterDevice();
}
