import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import type { Provider, ProviderCapabilities, ProviderOptions, Quota, ReadOptions } from '../../provider.js';
import { systemClock } from '../clock/index.js';
import { Pacer, type PacerClock } from '../pacer.js';
import { checkReadRange, providerPathSegments } from '../provider-path.js';
import { SshConnection } from './connection.js';
import { normalizeHostKeySha256 } from './host-key.js';
import { MD5_BATCH_FILES, md5Batches, md5Command, parseMd5sum } from './md5sum.js';
import { readHandle } from './ranged-read.js';
import { isNoSuchFile, mapSftpError } from './sftp-errors.js';
import { entryKind, type RawEntry, walk } from './walk.js';

export interface SftpProviderInit {
  host: string;
  /** Default 22. */
  port?: number;
  user: string;
  password?: string;
  /** The private key's text (OpenSSH or PEM). */
  privateKey?: string;
  /** Or a file holding it, read when connecting. */
  privateKeyPath?: string;
  /** For an encrypted private key. */
  passphrase?: string;
  /** The server's host key fingerprint, `SHA256:…` (as `ssh-keygen -l` prints it). Absent: pin on first use. */
  hostKeySha256?: string;
  /** Called with the fingerprint seen on first use when none was pinned, so the caller can store it. */
  onHostKey?: (fingerprint: string) => void;
  /** The folder this account is, on the server: absolute, or relative to the login folder. Default: the login folder. */
  root?: string;
  /** Hash files with `md5sum` over an exec channel (needs a shell and md5sum on the server). */
  remoteMd5?: boolean;
  /** Requests (folder reads, stats, opens) at once, and SFTP channels (at most 8). Default 4. */
  maxConcurrency?: number;
  /** Smallest gap between two requests, in milliseconds. Default 0. */
  minIntervalMs?: number;
  /** Time source of the pacer (tests); the system clock otherwise. */
  clock?: PacerClock;
  /** Entries waiting for the consumer before a listing pauses. Default 256. */
  buffered?: number;
  /** How long the connect and login may take. Default 15 s. */
  readyTimeoutMs?: number;
}

/** Concurrent md5sum commands (each is one more session on the server; OpenSSH allows 10). */
const MD5_COMMANDS = 2;
/** SFTP channels at most: with MD5_COMMANDS exec sessions, under OpenSSH's MaxSessions 10. */
const MAX_CHANNELS = 8;

/**
 * A folder on an SFTP server, over one SSH connection with a small pool of SFTP channels. Versions
 * are size + mtime (whole seconds) unless `remoteMd5` is on. Symbolic links are never followed.
 * See README.md for options, costs and host key pinning.
 */
export class SftpProvider implements Provider {
  readonly name = 'sftp';
  readonly capabilities: ProviderCapabilities;
  private readonly connection: SshConnection;
  private readonly pacer: Pacer;
  private readonly md5Pacer: Pacer;
  private readonly concurrency: number;
  private readonly init: SftpProviderInit;
  private readonly buffered: number;
  private rootPromise: Promise<string> | undefined;
  private handles = 0;

  constructor(init: SftpProviderInit) {
    if (typeof init.host !== 'string' || init.host.trim() === '')
      throw new FerryError('BAD_PROVIDER_OPTIONS', "sftp: option 'host' is required");
    if (typeof init.user !== 'string' || init.user === '')
      throw new FerryError('BAD_PROVIDER_OPTIONS', "sftp: option 'user' is required");
    const port = init.port ?? 22;
    if (!Number.isSafeInteger(port) || port < 1 || port > 65535)
      throw new FerryError('BAD_PROVIDER_OPTIONS', `sftp: option 'port' must be 1..65535, got ${port}`);
    const secrets = [init.password, init.privateKey, init.privateKeyPath].filter((s) => s !== undefined);
    if (secrets.length === 0)
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        'sftp: give a password, a privateKey or a privateKeyPath',
        'add --set password=… or --set privateKeyPath=/path/to/key',
      );
    if (init.privateKey !== undefined && init.privateKeyPath !== undefined)
      throw new FerryError('BAD_PROVIDER_OPTIONS', 'sftp: give privateKey or privateKeyPath, not both');
    const concurrency = init.maxConcurrency ?? 4;
    const buffered = init.buffered ?? 256;
    for (const [key, value, most] of [
      ['maxConcurrency', concurrency, 64],
      ['buffered', buffered, 100_000],
    ] as const)
      if (!Number.isSafeInteger(value) || value < 1 || value > most)
        throw new FerryError(
          'BAD_PROVIDER_OPTIONS',
          `sftp: option '${key}' must be 1..${most}, got ${value}`,
        );
    if (init.root?.includes('\0'))
      throw new FerryError('BAD_PROVIDER_OPTIONS', "sftp: option 'root' holds NUL");
    this.init = init;
    this.buffered = buffered;
    this.capabilities = {
      hashTypes: init.remoteMd5 === true ? ['md5'] : [],
      mtimePrecisionMs: 1000,
      rangeReads: true,
      emptyFolders: true,
    };
    const clock = init.clock ?? systemClock;
    this.concurrency = concurrency;
    this.pacer = new Pacer({ concurrency, minIntervalMs: init.minIntervalMs ?? 0, clock });
    this.md5Pacer = new Pacer({ concurrency: MD5_COMMANDS, minIntervalMs: 0, clock });
    const login = {
      host: init.host.trim(),
      port,
      username: init.user,
      readyTimeoutMs: init.readyTimeoutMs ?? 15_000,
      channels: Math.min(concurrency, MAX_CHANNELS),
      ...(init.password === undefined ? {} : { password: init.password }),
      ...(init.privateKey === undefined ? {} : { privateKey: init.privateKey }),
      ...(init.privateKeyPath === undefined
        ? {}
        : { privateKey: () => readKey(init.privateKeyPath as string) }),
      ...(init.passphrase === undefined ? {} : { passphrase: init.passphrase }),
      ...(init.hostKeySha256 === undefined
        ? {}
        : { hostKeySha256: normalizeHostKeySha256(init.hostKeySha256) }),
      ...(init.onHostKey === undefined ? {} : { onHostKey: init.onHostKey }),
    };
    this.connection = new SshConnection(login);
  }

  /** The host key fingerprint the server showed (`SHA256:…`), once connected. */
  get hostKeySha256(): string | undefined {
    return this.connection.hostKeySha256;
  }

  /** The host key seen on first use, for the relay to pin in the account (see Provider). */
  learnedOptions(): ProviderOptions {
    const seen = this.connection.hostKeySha256;
    return seen === undefined ? {} : { hostKeySha256: seen };
  }

  /** Folder handles and file handles open right now (0 when no listing or read runs). */
  get activeHandles(): number {
    return this.handles;
  }

  /**
   * Logs in and resolves the root: what the relay calls when an account is added. Returns the
   * host key fingerprint to store as `hostKeySha256` (pinned on first use).
   */
  async checkLogin(options: { signal?: AbortSignal } = {}): Promise<{ hostKeySha256: string; root: string }> {
    const root = await this.root(options.signal);
    const seen = this.connection.hostKeySha256;
    if (seen === undefined) throw new FerryError('INTERNAL', 'sftp: connected without seeing a host key');
    const stats = await this.sftp(
      'root folder',
      (sftp) => call<Stats>((cb) => sftp.lstat(root, cb)),
      options.signal,
    );
    if (!stats.isDirectory())
      throw new FerryError('BAD_PROVIDER_OPTIONS', `sftp: root '${root}' is not a folder`);
    return { hostKeySha256: seen, root };
  }

  async *list(folder: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Entry> {
    const signal = options.signal;
    const base = await this.resolveInside(folder, `list '${folder}'`, signal);
    const stats = await this.lstat(base, `list '${folder}'`, signal);
    if (stats.isFile()) throw new FerryError('BAD_INPUT', `sftp: list '${folder}': is a file, not a folder`);
    if (!stats.isDirectory())
      throw new FerryError('NOT_FOUND', `sftp: list '${folder}': not a folder (links are not followed)`);
    const source = {
      readFolder: (relative: string) => this.readFolder(posixJoin(base, relative), relative, signal),
      ...(this.init.remoteMd5 === true
        ? { hashFiles: (paths: readonly string[]) => this.md5Many(base, paths, signal) }
        : {}),
    };
    yield* walk(
      source,
      {
        folders: this.concurrency,
        buffered: this.buffered,
        hashBatch: MD5_BATCH_FILES,
        hashers: MD5_COMMANDS,
      },
      signal,
    );
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    const absolute = await this.resolveInside(path, `stat '${path}'`, options.signal);
    const stats = await this.lstat(absolute, `stat '${path}'`, options.signal);
    const kind = entryKind(stats.mode);
    if (kind === 'folder') return { path, size: 0, mtime: stats.mtime * 1000, isDir: true };
    if (kind === 'other')
      throw new FerryError('NOT_FOUND', `sftp: stat '${path}': not a regular file (links are not followed)`);
    const entry: Entry = { path, size: stats.size, mtime: stats.mtime * 1000, isDir: false };
    if (this.init.remoteMd5 === true) {
      const hash = (
        await this.md5Many(posix.dirname(absolute), [posix.basename(absolute)], options.signal)
      ).get(posix.basename(absolute));
      if (hash === undefined)
        throw new FerryError('NOT_FOUND', `sftp: stat '${path}': removed while hashing`);
      entry.hash = hash;
      entry.hashType = 'md5';
    }
    return entry;
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    checkReadRange(options.offset, options.length);
    const signal = options.signal;
    const what = `read '${path}'`;
    const absolute = await this.resolveInside(path, what, signal);
    // Opening follows links, so look first: links are not part of a backup.
    const stats = await this.lstat(absolute, what, signal);
    const kind = entryKind(stats.mode);
    if (kind === 'folder') throw new FerryError('BAD_INPUT', `sftp: ${what}: is a folder, not a file`);
    if (kind === 'other') throw new FerryError('NOT_FOUND', `sftp: ${what}: not a regular file`);
    const offset = options.offset ?? 0;
    const end = options.length === undefined ? stats.size : Math.min(stats.size, offset + options.length);
    if (end <= offset) return;

    const lease = await this.pacer
      .run(() => this.connection.channel(), signal)
      .catch((error) => {
        throw mapSftpError(error, what);
      });
    let handle: Buffer | undefined;
    try {
      handle = await this.pacer
        .run(() => call<Buffer>((cb) => lease.sftp.open(absolute, 'r', cb)), signal)
        .catch((error) => {
          throw mapSftpError(error, what);
        });
      this.handles++;
      let got = 0;
      try {
        for await (const chunk of readHandle(lease.sftp, handle, offset, end, signal)) {
          got += chunk.length;
          yield chunk;
        }
      } catch (error) {
        throw mapSftpError(error, what);
      }
      if (got < end - offset)
        throw new FerryError(
          'TRUNCATED',
          `sftp: ${what} got ${got} of ${end - offset} bytes (the file shrank while being read)`,
        );
    } finally {
      if (handle !== undefined) {
        await closeHandle(lease.sftp, handle);
        this.handles--;
      }
      lease.release();
    }
  }

  /** Space on the server's file system (statvfs@openssh.com); `{}` when the server does not say. */
  async quota(options: { signal?: AbortSignal } = {}): Promise<Quota> {
    const root = await this.root(options.signal);
    let info: { f_bsize: number; f_frsize: number; f_blocks: number; f_bfree: number; f_bavail: number };
    try {
      info = await this.sftp(
        'quota',
        (sftp) => call((cb) => sftp.ext_openssh_statvfs(root, cb)),
        options.signal,
      );
    } catch (error) {
      if (error instanceof Error && /does not support/.test(error.message)) return {};
      throw error;
    }
    const unit = info.f_frsize || info.f_bsize;
    return {
      totalBytes: info.f_blocks * unit,
      usedBytes: (info.f_blocks - info.f_bfree) * unit,
      freeBytes: info.f_bavail * unit,
    };
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Runs one request on a pooled channel, within the concurrency bound; errors mapped. */
  private async sftp<T>(
    what: string,
    fn: (sftp: SFTPWrapper) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.pacer.run(async () => {
      const lease = await this.connection.channel().catch((error) => {
        throw mapSftpError(error, what);
      });
      try {
        return await fn(lease.sftp);
      } catch (error) {
        throw mapSftpError(error, `${what}`);
      } finally {
        lease.release();
      }
    }, signal);
  }

  private lstat(absolute: string, what: string, signal?: AbortSignal): Promise<Stats> {
    return this.sftp(what, (sftp) => call<Stats>((cb) => sftp.lstat(absolute, cb)), signal);
  }

  /** The root's absolute path on the server (links in the root itself are the user's choice). */
  private root(signal?: AbortSignal): Promise<string> {
    this.rootPromise ??= this.sftp(
      'root folder',
      (sftp) => call<string>((cb) => sftp.realpath(this.init.root || '.', cb)),
      signal,
    ).catch((error) => {
      this.rootPromise = undefined;
      if (error instanceof FerryError && error.code === 'NOT_FOUND')
        throw new FerryError(
          'NOT_FOUND',
          `sftp: root folder '${this.init.root}' does not exist`,
          'fix --set root',
        );
      throw error;
    });
    return this.rootPromise;
  }

  /**
   * The absolute server path of a provider path. The segments cannot climb (providerPathSegments),
   * and the folder holding the last segment must be reached without a link: its real path must be
   * exactly root + segments.
   */
  private async resolveInside(path: string, what: string, signal?: AbortSignal): Promise<string> {
    const segments = providerPathSegments(path);
    const root = await this.root(signal);
    const absolute = posixJoin(root, segments.join('/'));
    if (segments.length <= 1) return absolute;
    const parent = posix.dirname(absolute);
    const real = await this.sftp(what, (sftp) => call<string>((cb) => sftp.realpath(parent, cb)), signal);
    if (real === parent) return absolute;
    if (real === root || real.startsWith(root === '/' ? '/' : `${root}/`))
      throw new FerryError('NOT_FOUND', `sftp: ${what}: a symbolic link on the way (links are not followed)`);
    throw new FerryError('UNSAFE_PATH', `sftp: ${what}: leads out of the root through a symbolic link`);
  }

  /** A folder's entries in the chunks READDIR answers with; the handle is closed when done or stopped. */
  private async *readFolder(
    absolute: string,
    relative: string,
    signal?: AbortSignal,
  ): AsyncGenerator<RawEntry[]> {
    const what = `list '${relative}'`;
    const lease = await this.pacer
      .run(() => this.connection.channel(), signal)
      .catch((error) => {
        throw mapSftpError(error, what);
      });
    let handle: Buffer | undefined;
    try {
      handle = await this.pacer
        .run(() => call<Buffer>((cb) => lease.sftp.opendir(absolute, cb)), signal)
        .catch((error) => {
          throw mapSftpError(error, what);
        });
      this.handles++;
      const open = handle;
      for (;;) {
        const chunk = await this.pacer
          .run(() => readdirChunk(lease.sftp, open), signal)
          .catch((error) => {
            throw mapSftpError(error, what);
          });
        if (chunk === undefined) return;
        yield chunk;
      }
    } finally {
      if (handle !== undefined) {
        await closeHandle(lease.sftp, handle);
        this.handles--;
      }
      lease.release();
    }
  }

  /**
   * md5 of files in one folder, by `md5sum` over exec, in batches. A file md5sum could not read is
   * looked at again: gone → left out (it vanished); still there → the listing fails.
   */
  private async md5Many(
    folder: string,
    paths: readonly string[],
    signal?: AbortSignal,
  ): Promise<Map<string, string>> {
    const hashes = new Map<string, string>();
    const given = new Map(paths.map((path) => [posixJoin(folder, path), path]));
    for (const batch of md5Batches([...given.keys()])) {
      const result = await this.md5Pacer
        .run(() => this.connection.exec(md5Command(batch)), signal)
        .catch((error) => {
          throw mapSftpError(error, 'md5sum');
        });
      const got = parseMd5sum(result.stdout.toString('utf8'));
      for (const absolute of batch) {
        const path = given.get(absolute) as string;
        const hash = got.get(absolute);
        if (hash !== undefined) {
          hashes.set(path, hash);
          continue;
        }
        const gone = await this.lstat(absolute, `md5 '${path}'`, signal).then(
          () => false,
          (error) => {
            if (isNoSuchFile(error)) return true;
            throw error;
          },
        );
        if (gone) continue;
        if (result.exitCode === 127 || /not found/.test(result.stderr))
          throw new FerryError(
            'NOT_AVAILABLE',
            'sftp: the server has no md5sum command',
            'turn remoteMd5 off; versions then use size and mtime',
          );
        // rclone serve sftp runs md5sum itself and reads the rest of the line as one raw path.
        if (/hash failed finding file/.test(result.stderr))
          throw new FerryError(
            'NOT_AVAILABLE',
            'sftp: the server runs md5sum without a shell and takes a single unquoted path (rclone serve sftp)',
            'turn remoteMd5 off; versions then use size and mtime',
          );
        if (/Permission denied/i.test(result.stderr))
          throw new FerryError('PERMISSION', `sftp: md5sum '${path}': permission denied`);
        throw new FerryError(
          'TRANSIENT',
          `sftp: md5sum '${path}' failed (exit ${result.exitCode ?? 'unknown'}): ${result.stderr.trim().slice(0, 200)}`,
        );
      }
    }
    return hashes;
  }
}

function posixJoin(base: string, relative: string): string {
  if (relative === '') return base;
  return base === '/' ? `/${relative}` : `${base}/${relative}`;
}

function call<T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

const SFTP_EOF = 1;

/** One READDIR answer; undefined at the end of the folder. */
function readdirChunk(sftp: SFTPWrapper, handle: Buffer): Promise<RawEntry[] | undefined> {
  return new Promise((resolve, reject) => {
    sftp.readdir(handle, (error: (Error & { code?: unknown }) | undefined, list) => {
      if (error) return error.code === SFTP_EOF ? resolve(undefined) : reject(error);
      resolve(list);
    });
  });
}

function closeHandle(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return new Promise((resolve) => {
    try {
      sftp.close(handle, () => resolve());
    } catch {
      resolve(); // the channel is gone, and the handle with it
    }
  });
}

async function readKey(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `sftp: cannot read privateKeyPath '${path}': ${(error as { code?: string }).code ?? String(error)}`,
    );
  }
}
