import type { Entry } from '../../entry.js';
import { type FolderPage, walkFolders } from '../folder-walk.js';
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
 * Yields every file and folder below the walk's base, relative to it, as folders are read (through
 * walkFolders): `folders` at once, depth first, pausing while `buffered` entries wait for the
 * consumer. Files are hashed in batches of `hashBatch` across folders, the rest once every folder
 * is read. A folder or file that vanishes during the walk is skipped; any other failure fails the
 * walk (a listing with holes would look like deletions to the crawler). Stopping early (break,
 * abort) closes every folder being read before `return()` resolves.
 */
export function walk(source: WalkSource, limits: WalkLimits, signal?: AbortSignal): AsyncGenerator<Entry> {
  const { hashFiles } = source;
  return walkFolders((folder) => readFolder(source, folder), {
    concurrency: limits.folders,
    buffered: limits.buffered,
    ...(hashFiles !== undefined && {
      files: {
        batch: limits.hashBatch,
        concurrency: limits.hashers,
        complete: async (files: Entry[]) => {
          const hashes = await hashFiles(files.map((file) => file.path));
          // A file left out was removed between READDIR and the hash.
          return files.flatMap((file): Entry[] => {
            const hash = hashes.get(file.path);
            return hash === undefined ? [] : [{ ...file, hash, hashType: 'md5' }];
          });
        },
      },
    }),
    ...(signal !== undefined && { signal }),
  });
}

/** One folder's READDIR chunks as pages: files and folders, links and special files left out. */
async function* readFolder(source: WalkSource, folder: string): AsyncGenerator<FolderPage> {
  try {
    for await (const chunk of source.readFolder(folder)) {
      const page: FolderPage = { entries: [], folders: [] };
      for (const raw of chunk) {
        const kind = entryKind(raw.attrs.mode);
        if (kind === 'other') continue;
        const path = joinProviderPath(folder, raw.filename);
        const mtime = raw.attrs.mtime * 1000;
        if (kind === 'folder') {
          page.entries.push({ path, size: 0, mtime, isDir: true });
          page.folders.push(path);
        } else page.entries.push({ path, size: raw.attrs.size, mtime, isDir: false });
      }
      yield page;
    }
  } catch (error) {
    // The base folder was checked before the walk; a subfolder gone since was deleted meanwhile.
    if (folder !== '' && isNoSuchFile(error)) return;
    throw error;
  }
}
