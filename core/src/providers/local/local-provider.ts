import { createHash } from 'node:crypto';
import { type FileHandle, lstat, open, realpath, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import type { Provider, ProviderCapabilities, Quota, ReadOptions } from '../../provider.js';
import { checkReadRange, providerPathSegments } from '../provider-path.js';
import { mapFsError, toMillis } from './fs-errors.js';
import { READ_FLAGS, type WalkLimits, walkFolder } from './walk.js';

export interface LocalProviderInit {
  /** The folder this account is: an absolute path. */
  root: string;
  /** Tuning of the listing walk (defaults suit a 2-core machine and a local disk). */
  limits?: Partial<WalkLimits>;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = {
  folders: 4,
  hashes: 4,
  buffered: 256,
  hashBuffer: 1024 * 1024,
};
const READ_CHUNK = 256 * 1024;

/**
 * A folder on this machine. Every path stays inside `root`: provider paths cannot hold '..', and
 * symbolic links are never followed (listing skips them; stat and read answer NOT_FOUND for a link,
 * or UNSAFE_PATH when a link on the way leads out of the root). See README.md for the costs.
 */
export class LocalProvider implements Provider {
  readonly name = 'local';
  readonly capabilities: ProviderCapabilities = {
    hashTypes: ['md5'],
    mtimePrecisionMs: 1,
    rangeReads: true,
    emptyFolders: true,
  };
  readonly root: string;
  private readonly limits: WalkLimits;
  private openHandles = 0;
  private readonly handles = {
    opened: () => {
      this.openHandles++;
    },
    closed: () => {
      this.openHandles--;
    },
  };

  constructor(init: LocalProviderInit) {
    if (typeof init.root !== 'string' || !isAbsolute(init.root) || init.root.includes('\0'))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `local: root must be an absolute path, got '${String(init.root)}'`,
      );
    this.root = resolve(init.root);
    this.limits = { ...DEFAULT_WALK_LIMITS, ...init.limits };
    for (const [key, value] of Object.entries(this.limits))
      if (!Number.isSafeInteger(value) || value < 1)
        throw new FerryError('BAD_INPUT', `local: limit ${key} must be a whole number >= 1, got ${value}`);
  }

  /** Directory and file handles open right now (0 when no listing or read is running). */
  get activeHandles(): number {
    return this.openHandles;
  }

  async *list(folder: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Entry> {
    const absolute = await this.resolveInside(folder);
    const stats = await lstat(absolute).catch((error) => {
      throw mapFsError(error, `list '${folder}'`);
    });
    if (stats.isSymbolicLink())
      throw new FerryError('NOT_FOUND', `local: list '${folder}': a symbolic link (links are not followed)`);
    if (!stats.isDirectory())
      throw new FerryError('BAD_INPUT', `local: list '${folder}': is a file, not a folder`);
    yield* walkFolder(absolute, this.limits, this.handles, options.signal);
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    const absolute = await this.resolveInside(path);
    const stats = await lstat(absolute).catch((error) => {
      throw mapFsError(error, `stat '${path}'`);
    });
    if (stats.isDirectory()) return { path, size: 0, mtime: toMillis(stats.mtimeMs), isDir: true };
    if (stats.isSymbolicLink())
      throw new FerryError('NOT_FOUND', `local: stat '${path}': a symbolic link (links are not followed)`);
    if (!stats.isFile()) throw new FerryError('NOT_FOUND', `local: stat '${path}': not a regular file`);
    // The version is the md5, so stat has to read the file, like the listing does.
    const hash = createHash('md5');
    let size = 0;
    for await (const chunk of this.readAbsolute(absolute, path, 0, undefined, options.signal)) {
      hash.update(chunk);
      size += chunk.length;
    }
    return {
      path,
      size,
      mtime: toMillis(stats.mtimeMs),
      hash: hash.digest('hex'),
      hashType: 'md5',
      isDir: false,
    };
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    checkReadRange(options.offset, options.length);
    const absolute = await this.resolveInside(path);
    yield* this.readAbsolute(absolute, path, options.offset ?? 0, options.length, options.signal);
  }

  async quota(): Promise<Quota> {
    const root = await this.realRoot();
    const stats = await statfs(root).catch((error) => {
      throw mapFsError(error, 'quota');
    });
    return {
      totalBytes: stats.blocks * stats.bsize,
      usedBytes: (stats.blocks - stats.bfree) * stats.bsize,
      freeBytes: stats.bavail * stats.bsize,
    };
  }

  async close(): Promise<void> {}

  private async *readAbsolute(
    absolute: string,
    path: string,
    offset: number,
    length: number | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Uint8Array> {
    let handle: FileHandle;
    try {
      handle = await open(absolute, READ_FLAGS);
    } catch (error) {
      throw mapFsError(error, `read '${path}'`);
    }
    this.handles.opened();
    try {
      const stats = await handle.stat();
      if (stats.isDirectory())
        throw new FerryError('BAD_INPUT', `local: read '${path}': is a folder, not a file`);
      if (!stats.isFile()) throw new FerryError('NOT_FOUND', `local: read '${path}': not a regular file`);
      const end = length === undefined ? stats.size : Math.min(stats.size, offset + length);
      if (end <= offset) return;
      const stream = handle.createReadStream({
        start: offset,
        end: end - 1,
        highWaterMark: READ_CHUNK,
        autoClose: false,
      });
      let got = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          signal?.throwIfAborted();
          got += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw mapFsError(error, `read '${path}'`);
      } finally {
        stream.destroy();
      }
      if (got < end - offset)
        throw new FerryError(
          'TRUNCATED',
          `local: read '${path}' got ${got} of ${end - offset} bytes (the file shrank while being read)`,
        );
    } finally {
      await handle.close().catch(() => {});
      this.handles.closed();
    }
  }

  private realRootPromise: Promise<string> | undefined;

  /** The root with its own links resolved (the user chose it, links and all); retried after a failure. */
  private realRoot(): Promise<string> {
    this.realRootPromise ??= realpath(this.root).catch((error) => {
      this.realRootPromise = undefined;
      const mapped = mapFsError(error, `root folder '${this.root}'`);
      throw mapped instanceof FerryError
        ? new FerryError(mapped.code, mapped.message, 'create the folder or fix --set root')
        : mapped;
    });
    return this.realRootPromise;
  }

  /**
   * The absolute path of a provider path, checked to stay inside the root: the segments cannot
   * climb (providerPathSegments), and the folder holding the last segment must be reached
   * without a link (its real path is exactly root + segments).
   */
  private async resolveInside(path: string): Promise<string> {
    const segments = providerPathSegments(path);
    const root = await this.realRoot();
    const absolute = join(root, ...segments);
    if (segments.length <= 1) return absolute;
    const expected = dirname(absolute);
    let actual: string;
    try {
      actual = await realpath(expected);
    } catch (error) {
      throw mapFsError(error, `'${path}'`);
    }
    if (actual === expected) return absolute;
    const inside = relative(root, actual);
    if (inside === '' || (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside)))
      throw new FerryError(
        'NOT_FOUND',
        `local: '${path}': a symbolic link on the way (links are not followed)`,
      );
    throw new FerryError('UNSAFE_PATH', `local: '${path}' leads out of the root through a symbolic link`);
  }
}
