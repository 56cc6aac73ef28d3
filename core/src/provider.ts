import type { Entry, HashType } from './entry.js';

/**
 * The one interface every cloud implements (rclone's backend idea). Paths are relative to the
 * provider's root, '/'-separated, no leading slash; '' is the root itself. Every method throws
 * FerryError with NOT_FOUND, AUTH, PERMISSION, RATE_LIMITED (RateLimitedError, with retryAfterMs),
 * TRANSIENT or TRUNCATED for the failures it can tell apart; anything else is a bug.
 */
export interface Provider {
  readonly name: string;
  readonly capabilities: ProviderCapabilities;

  /**
   * Every file and folder below `folder` (not the folder itself), paths relative to `folder`.
   * Streamed: a provider yields entries as it learns them and never holds file bodies; order is
   * unspecified. Stops early when the consumer stops iterating or `signal` aborts.
   */
  list(folder: string, options?: { signal?: AbortSignal }): AsyncIterable<Entry>;

  /** One entry, path relative to the provider root. */
  stat(path: string, options?: { signal?: AbortSignal }): Promise<Entry>;

  /**
   * The bytes of a file: all of it, or `length` bytes from `offset` (to the end when length is
   * omitted). A range past the end yields what exists. The stream ends short only with TRUNCATED.
   */
  read(path: string, options?: ReadOptions): AsyncIterable<Uint8Array>;

  /** Space at the provider, when the protocol tells it. */
  quota?(options?: { signal?: AbortSignal }): Promise<Quota>;

  /** Releases connections and child processes. */
  close?(): Promise<void>;

  /**
   * Options learned on first use that the account must keep from then on (an SFTP server's host
   * key): the relay saves them with the account after its test listing, so the crawler and the
   * device pin what the user's first check saw instead of trusting whatever answers later.
   */
  learnedOptions?(): ProviderOptions;
}

export interface ReadOptions {
  offset?: number;
  length?: number;
  signal?: AbortSignal;
}

export interface ProviderCapabilities {
  /** Hash types `list` and `stat` report; empty when the version falls back to size and mtime. */
  hashTypes: readonly HashType[];
  /** Smallest mtime step the provider keeps (1000 for whole seconds). */
  mtimePrecisionMs: number;
  /** Whether `read` honours offset/length without sending the bytes before them. */
  rangeReads: boolean;
  /** Whether empty folders exist as such (object stores have no folders). */
  emptyFolders: boolean;
}

export interface Quota {
  totalBytes?: number;
  usedBytes?: number;
  freeBytes?: number;
}

/**
 * An account option a provider accepts; the CLI (`--set key=value`), the relay (request bodies)
 * and the panel (generated forms) all read the same schema.
 */
export interface OptionSpec {
  key: string;
  type: 'string' | 'secret' | 'url' | 'integer' | 'boolean' | 'path';
  /** The value spans lines (a PEM key, a config section): the panel shows a text area. */
  multiline?: boolean;
  required: boolean;
  help: string;
  default?: string | number | boolean;
}

export type ProviderOptions = Record<string, string | number | boolean>;

/** What a provider folder exports: a name, its option schema and a factory. */
export interface ProviderFactory {
  name: string;
  description: string;
  options: readonly OptionSpec[];
  create(options: ProviderOptions): Provider;
}
