import type { ChildProcess } from 'node:child_process';
import { type Entry, HASH_TYPES, type HashType } from '../../entry.js';
import { FerryError, RateLimitedError } from '../../errors.js';
import type { Provider, ProviderCapabilities, Quota, ReadOptions } from '../../provider.js';
import { systemClock } from '../clock/index.js';
import { type FolderPage, walkFolders } from '../folder-walk.js';
import { httpStatusError } from '../http/http-errors.js';
import { rangedBody, rangedReadHeaders, rangedStatus } from '../http/ranged-read.js';
import { httpHeaders, httpText } from '../http/request.js';
import { Pacer, type PacerClock } from '../pacer.js';
import { checkReadRange, joinProviderPath, providerPathSegments } from '../provider-path.js';
import { type RcdInstance, startRcd, stopRcd } from './rcd.js';
import { parseRemoteConfig, writePrivateConfig } from './remote-config.js';

export interface RcloneProviderInit {
  /** The remote's name in rclone.conf (`gdrive`, or `gdrive:` with the colon). */
  remote: string;
  /** A folder inside the remote ('' or undefined: its root). */
  root?: string;
  /** rclone.conf path; rclone's default (~/.config/rclone/rclone.conf) when undefined. */
  config?: string;
  /**
   * The remote's settings inline, as `rclone config show NAME` prints them (instead of `config`):
   * written to a private rclone.conf for each rcd this provider starts (remote-config.ts).
   */
  remoteConfig?: string;
  /** The rclone executable. Default 'rclone'. */
  binary?: string;
  /** 'auto' (default): the remote's best hash Ferry knows; 'none'; or one hash type (md5, sha1, …). */
  hash?: string;
  /** rc calls and reads at once, and folders listed at once. Default 4. */
  maxConcurrency?: number;
  minIntervalMs?: number;
  /** Longest wait for an rc answer (a big folder's listing included). Default 300000. */
  timeoutMs?: number;
  clock?: PacerClock;
}

/** Hash types in the order 'auto' prefers them (rclone names them the same way Ferry does). */
const HASH_PREFERENCE: readonly HashType[] = ['md5', 'sha1', 'sha256', 'quickxor', 'dropbox', 'crc32'];
const LIST_BUFFER = 1000;

interface RcloneItem {
  Path?: unknown;
  Name?: unknown;
  Size?: unknown;
  ModTime?: unknown;
  IsDir?: unknown;
  Hashes?: Record<string, unknown>;
}

/**
 * Any rclone remote, through an `rclone rcd` this provider starts, supervises and stops: listing
 * with `operations/list` one folder at a time (streamed through walkFolders), `operations/stat`,
 * `operations/fsinfo` for the capabilities, `operations/about` for the quota, and ranged reads
 * of the files rcd serves (`--rc-serve`). rcd starts on the first call (or `start()`); if it
 * dies, the next call starts a new one; `close()` stops it. See README.md.
 */
export class RcloneProvider implements Provider {
  readonly name = 'rclone';
  /** Final once `start()` resolved (the remote's hashes, precision and folders come from fsinfo). */
  capabilities: ProviderCapabilities;
  /** `remote:root`, the rclone fs string every call uses. */
  readonly fs: string;
  private readonly binary: string;
  private readonly config: string | undefined;
  private readonly remoteName: string;
  private readonly remoteLines: readonly string[] | undefined;
  private privateConfig: string | undefined;
  /** Removal of each rcd's private rclone.conf, done when that rcd exits. */
  private readonly removals = new Map<ChildProcess, Promise<void>>();
  private readonly hashChoice: string;
  private hashType: HashType | undefined;
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private readonly pacer: Pacer;
  private rcd: Promise<RcdInstance> | undefined;
  private openRequests = 0;
  /** Whether the remote answers operations/about (fsinfo's Features.About). */
  private canAbout = true;

  constructor(init: RcloneProviderInit) {
    const remote = typeof init.remote === 'string' ? init.remote.replace(/:$/, '') : '';
    if (remote === '' || /[:/\\\s]/.test(remote) || remote.startsWith('-'))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `rclone: remote must be the name of a remote in rclone.conf (like 'gdrive'), got '${String(init.remote)}'`,
        'list them with `rclone listremotes`',
      );
    const root = init.root ?? '';
    if (root.includes('\0'))
      throw new FerryError('BAD_PROVIDER_OPTIONS', 'rclone: root must be a folder path');
    this.fs = `${remote}:${root}`;
    this.binary = init.binary ?? 'rclone';
    this.config = init.config;
    this.remoteName = remote;
    if (init.remoteConfig !== undefined && init.config !== undefined)
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        'rclone: give either config (a rclone.conf path) or remoteConfig (the remote inline), not both',
      );
    this.remoteLines = init.remoteConfig === undefined ? undefined : parseRemoteConfig(init.remoteConfig);
    this.hashChoice = init.hash ?? 'auto';
    if (!['auto', 'none', ...HASH_TYPES].includes(this.hashChoice))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `rclone: hash must be auto, none or one of ${HASH_TYPES.join(', ')}, got '${this.hashChoice}'`,
      );
    this.hashType =
      this.hashChoice === 'auto' || this.hashChoice === 'none' ? undefined : (this.hashChoice as HashType);
    this.concurrency = init.maxConcurrency ?? 4;
    this.timeoutMs = init.timeoutMs ?? 300_000;
    this.pacer = new Pacer({
      concurrency: this.concurrency,
      minIntervalMs: init.minIntervalMs ?? 0,
      clock: init.clock ?? systemClock,
    });
    this.capabilities = {
      hashTypes: this.hashType === undefined ? [] : [this.hashType],
      mtimePrecisionMs: 1000,
      rangeReads: true,
      emptyFolders: true,
    };
  }

  /** rc calls and reads in flight, bodies included. */
  get activeRequests(): number {
    return this.openRequests;
  }

  /** The rcd's process id while one runs (for status and tests). */
  async rcdPid(): Promise<number | undefined> {
    return this.rcd === undefined ? undefined : (await this.rcd).child.pid;
  }

  /**
   * Starts rcd (once) and reads the remote's capabilities from operations/fsinfo. Every other
   * method calls it; call it yourself to know the capabilities before the first listing.
   */
  async start(): Promise<void> {
    await this.instance();
  }

  async *list(folder: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Entry> {
    const segments = providerPathSegments(folder);
    await this.instance();
    yield* walkFolders(
      (sub, signal) => this.listFolder([...segments, ...(sub === '' ? [] : [sub])].join('/'), sub, signal),
      {
        concurrency: this.concurrency,
        buffered: LIST_BUFFER,
        signal: options.signal,
      },
    );
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    providerPathSegments(path);
    const what = `rclone: stat '${path}'`;
    await this.instance(); // the hash type to ask for is known once fsinfo answered
    const answer = await this.call(
      'operations/stat',
      { remote: path, opt: this.listOptions() },
      what,
      options.signal,
    );
    const item = (answer as { item?: unknown }).item;
    if (item === null || item === undefined)
      throw new FerryError('NOT_FOUND', `${what}: no such file or folder`);
    return this.toEntry(path, item as RcloneItem, what);
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    checkReadRange(options.offset, options.length);
    const segments = providerPathSegments(path);
    const what = `rclone: read '${path}'`;
    if (segments.length === 0) throw new FerryError('BAD_INPUT', `${what}: the root is a folder`);
    const offset = options.offset ?? 0;
    const { length, signal } = options;
    if (length === 0) {
      // Nothing to read, but a missing file must still say NOT_FOUND.
      const entry = await this.stat(path, { signal });
      if (entry.isDir) throw new FerryError('BAD_INPUT', `${what}: is a folder, not a file`);
      return;
    }
    const rcd = await this.instance();
    const url = `${rcd.url}${encodeURIComponent(`[${this.fs}]`)}/${segments.map(encodeURIComponent).join('/')}`;
    this.openRequests++;
    try {
      const { response, release } = await this.pacer.run(
        () =>
          httpHeaders(
            {
              method: 'GET',
              url,
              headers: { Authorization: rcd.authorization, ...rangedReadHeaders(offset, length) },
              signal,
              timeoutMs: this.timeoutMs,
              what,
            },
            // rcd answers its own errors with a JSON body; only its login is checked here.
            (status) => status !== 401,
          ),
        signal,
      );
      try {
        if (!rangedStatus(response.status)) {
          const text = await response.text().catch(() => '');
          // rcd answers a range past the end of a remote's file with 404 and "bytes 100-5/6".
          if (response.status === 404 && isPastTheEnd(response.headers.get('content-range'))) return;
          let answer: unknown;
          try {
            answer = JSON.parse(text);
          } catch {
            throw httpStatusError(what, response.status, response.headers, Date.now());
          }
          throw rcError(what, response.status, answer, this.fs);
        }
        yield* rangedBody(response, { offset, length, what, signal });
      } finally {
        release();
      }
    } finally {
      this.openRequests--;
    }
  }

  async quota(options: { signal?: AbortSignal } = {}): Promise<Quota> {
    await this.instance();
    // Remotes without the About feature answer operations/about with an error: nothing is known.
    if (!this.canAbout) return {};
    const answer = (await this.call('operations/about', {}, 'rclone: quota', options.signal)) as Record<
      string,
      unknown
    >;
    const quota: Quota = {};
    const take = (key: string): number | undefined => {
      const value = answer[key];
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
    };
    const total = take('total');
    const used = take('used');
    const free = take('free');
    if (total !== undefined) quota.totalBytes = total;
    if (used !== undefined) quota.usedBytes = used;
    if (free !== undefined) quota.freeBytes = free;
    return quota;
  }

  /** Stops rcd. The provider can be used again afterwards (it starts a new rcd). */
  async close(): Promise<void> {
    const rcd = this.rcd;
    this.rcd = undefined;
    if (rcd === undefined) return;
    const instance = await rcd.catch(() => undefined);
    if (instance === undefined) return;
    await stopRcd(instance.child);
    await this.removals.get(instance.child);
    this.removals.delete(instance.child);
  }

  /** The private rclone.conf of an inline remote while its rcd runs (tests check it goes). */
  get privateConfigPath(): string | undefined {
    return this.privateConfig;
  }

  /** The running rcd; starts one (and reads fsinfo) when none runs or the last one died. */
  private instance(): Promise<RcdInstance> {
    const current = this.rcd;
    if (current !== undefined) return current;
    const starting = (async () => {
      // An inline remote gets a private rclone.conf for this rcd's life (rclone may refresh an
      // OAuth token into it), removed when the rcd exits.
      const privateConfig =
        this.remoteLines === undefined
          ? undefined
          : await writePrivateConfig(this.remoteName, this.remoteLines);
      const rcd = await startRcd({
        binary: this.binary,
        config: privateConfig?.path ?? this.config,
        startTimeoutMs: 15_000,
      }).catch(async (error: unknown) => {
        await privateConfig?.remove();
        throw error;
      });
      if (privateConfig !== undefined) {
        this.privateConfig = privateConfig.path;
        // Gone with its rcd; close() waits for it.
        this.removals.set(
          rcd.child,
          new Promise((resolve) => rcd.child.once('exit', resolve)).then(privateConfig.remove),
        );
      }
      rcd.child.once('exit', () => {
        // Supervision: a dead rcd is replaced on the next call.
        if (this.rcd === starting) this.rcd = undefined;
      });
      try {
        await this.readCapabilities(rcd);
      } catch (error) {
        await stopRcd(rcd.child);
        throw error;
      }
      return rcd;
    })();
    this.rcd = starting;
    starting.catch(() => {
      if (this.rcd === starting) this.rcd = undefined;
    });
    return starting;
  }

  private async readCapabilities(rcd: RcdInstance): Promise<void> {
    const info = (await this.callOn(rcd, 'operations/fsinfo', {}, 'rclone: fsinfo', undefined)) as {
      Hashes?: unknown;
      Precision?: unknown;
      Features?: Record<string, unknown>;
    };
    const offered = Array.isArray(info.Hashes) ? info.Hashes.filter((hash) => typeof hash === 'string') : [];
    if (this.hashChoice === 'auto') this.hashType = HASH_PREFERENCE.find((hash) => offered.includes(hash));
    else if (this.hashType !== undefined && !offered.includes(this.hashType))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `rclone: remote '${this.fs}' has no ${this.hashType} hash (it offers: ${offered.join(', ') || 'none'})`,
        'use --set hash=auto or hash=none',
      );
    // Precision is in nanoseconds. rclone says "cannot set mtimes" with 100 years
    // (ModTimeNotSupported); the mtime it lists is then the server's own (upload) time, which
    // servers keep to the second, not a precision worth 100 years of slack.
    const precisionNs = typeof info.Precision === 'number' && info.Precision > 0 ? info.Precision : 1e9;
    const precisionMs = precisionNs >= 86_400e9 ? 1000 : Math.max(1, Math.ceil(precisionNs / 1e6));
    this.canAbout = info.Features?.About !== false;
    this.capabilities = {
      hashTypes: this.hashType === undefined ? [] : [this.hashType],
      mtimePrecisionMs: precisionMs,
      rangeReads: true,
      emptyFolders: info.Features?.CanHaveEmptyDirectories !== false,
    };
  }

  private listOptions(): Record<string, unknown> {
    return this.hashType === undefined
      ? { noMimeType: true }
      : { noMimeType: true, showHash: true, hashTypes: [this.hashType] };
  }

  /** One folder of a walk: `folder` from the provider root, `sub` from the walk's base. */
  private async listFolder(folder: string, sub: string, signal: AbortSignal): Promise<FolderPage> {
    const what = `rclone: list '${folder}'`;
    const answer = await this.call(
      'operations/list',
      { remote: folder, opt: this.listOptions() },
      what,
      signal,
    );
    const list = (answer as { list?: unknown }).list;
    if (!Array.isArray(list)) throw new FerryError('BAD_ENTRY', `${what}: rclone answered without a list`);
    const page: FolderPage = { entries: [], folders: [] };
    for (const item of list as RcloneItem[]) {
      if (typeof item?.Name !== 'string' || item.Name === '' || item.Name.includes('/'))
        throw new FerryError('BAD_ENTRY', `${what}: an item without a usable name`);
      const path = joinProviderPath(sub, item.Name);
      const entry = this.toEntry(path, item, what);
      page.entries.push(entry);
      if (entry.isDir) page.folders.push(path);
    }
    return page;
  }

  private toEntry(path: string, item: RcloneItem, what: string): Entry {
    const mtime = typeof item.ModTime === 'string' ? parseRcloneTime(item.ModTime) : Number.NaN;
    if (Number.isNaN(mtime)) throw new FerryError('BAD_ENTRY', `${what}: '${path}' has no readable ModTime`);
    if (item.IsDir === true) return { path, size: 0, mtime, isDir: true };
    const size = item.Size;
    // rclone says -1 for a size it does not know (Google Docs exports, some streams).
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
      throw new FerryError('BAD_ENTRY', `${what}: '${path}' has no known size (${String(size)})`);
    const entry: Entry = { path, size, mtime, isDir: false };
    const hash = this.hashType === undefined ? undefined : item.Hashes?.[this.hashType];
    // An empty hash means the remote has none for this file (rclone's convention).
    if (typeof hash === 'string' && hash !== '') {
      entry.hash = hash.toLowerCase();
      entry.hashType = this.hashType;
    }
    return entry;
  }

  private async call(method: string, input: Record<string, unknown>, what: string, signal?: AbortSignal) {
    return this.callOn(await this.instance(), method, input, what, signal);
  }

  private async callOn(
    rcd: RcdInstance,
    method: string,
    input: Record<string, unknown>,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    this.openRequests++;
    try {
      const answer = await this.pacer.run(async () => {
        const reply = await httpText(
          {
            method: 'POST',
            url: `${rcd.url}${method}`,
            headers: { Authorization: rcd.authorization, 'Content-Type': 'application/json' },
            body: JSON.stringify({ fs: this.fs, ...input }),
            signal,
            timeoutMs: this.timeoutMs,
            what,
          },
          // rc answers its own errors as JSON with a status; only its login is checked here.
          (status) => status !== 401,
        );
        let parsed: unknown;
        try {
          parsed = JSON.parse(reply.text);
        } catch {
          throw new FerryError('TRANSIENT', `${what}: rclone answered HTTP ${reply.status} without JSON`);
        }
        if (reply.status !== 200) throw rcError(what, reply.status, parsed, this.fs);
        return parsed;
      }, signal);
      return answer;
    } finally {
      this.openRequests--;
    }
  }
}

/**
 * rc's error answer as a typed error. rclone passes the backend's error text on, so the code is
 * read from the status and the words: 404 → NOT_FOUND; an unknown remote → BAD_PROVIDER_OPTIONS;
 * 401/unauthorized/token → AUTH; 403/forbidden/permission → PERMISSION; 429/rate limit →
 * RATE_LIMITED; anything else → TRANSIENT (rclone already retried low-level errors itself).
 */
export function rcError(what: string, status: number, answer: unknown, fs: string): FerryError {
  const text =
    typeof (answer as { error?: unknown })?.error === 'string' ? (answer as { error: string }).error : '';
  const said = `${what}: ${text || `HTTP ${status}`}`;
  if (/is a directory not a file/i.test(text))
    return new FerryError('BAD_INPUT', `${said} (a folder, not a file)`);
  if (status === 404 || /\b(directory|object|file) not found\b/i.test(text))
    return new FerryError('NOT_FOUND', said);
  if (/didn't find section in config file|unknown backend|config file not found/i.test(text))
    return new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `${said} (remote '${fs}')`,
      'check --set remote= and --set config= (`rclone listremotes --config …`)',
    );
  if (/\b401\b|unauthori[sz]ed|invalid_grant|token (has been )?expired|couldn't fetch token/i.test(text))
    return new FerryError('AUTH', said, 'reconnect the remote: `rclone config reconnect <remote>:`');
  if (/\b403\b|forbidden|permission denied|access denied/i.test(text))
    return new FerryError('PERMISSION', said);
  if (/\b429\b|rate ?limit|too many requests|quota exceeded/i.test(text)) return new RateLimitedError(said);
  return new FerryError('TRANSIENT', said, 'Ferry retries by itself');
}

/**
 * rclone's RFC 3339 time with up to nanoseconds, in milliseconds, rounded (a file set to an exact
 * millisecond often reads back a few nanoseconds below it).
 */
export function parseRcloneTime(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (match === null) return Number.NaN;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  const fraction = match[2] === undefined ? 0 : Number(`0.${match[2]}`);
  return seconds + Math.round(fraction * 1000);
}

/** A Content-Range whose start lies at or past the end of the file ("bytes 100-5/6"). */
function isPastTheEnd(contentRange: string | null): boolean {
  const match = contentRange === null ? null : /^bytes\s+(\d+)-(\d+)\/(\d+)$/i.exec(contentRange.trim());
  return match !== null && Number(match[1]) >= Number(match[3]);
}
