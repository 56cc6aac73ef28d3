import type {
  BlobItem,
  BlobServiceClient,
  ContainerClient,
  ContainerListBlobFlatSegmentResponse,
} from '@azure/storage-blob';
import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import type { Provider, ProviderCapabilities, ReadOptions } from '../../provider.js';
import { systemClock } from '../clock/index.js';
import { type ListedObject, listObjectFolder, rootKeyPrefix, wholeSeconds } from '../object-store.js';
import { Pacer, type PacerClock } from '../pacer.js';
import { checkReadRange, providerPathSegments } from '../provider-path.js';
import { azureErrorCode, azureHttpStatus, mapAzureError } from './azure-errors.js';

export interface AzureBlobProviderInit {
  container: string;
  /** Blob name prefix that is the account's root ('' or absent: the whole container). */
  prefix?: string;
  /** Storage account name (needed with accountKey, and for the default endpoint). */
  account?: string;
  /** Shared key of the account. */
  accountKey?: string;
  /** A SAS token (with or without the leading '?'), needs list and read rights. */
  sasToken?: string;
  /** A full connection string (replaces account, accountKey, sasToken and endpoint). */
  connectionString?: string;
  /** Blob service URL; default `https://<account>.blob.core.windows.net`. Azurite: `http://127.0.0.1:<port>/devstoreaccount1`. */
  endpoint?: string;
  /**
   * Blobs per listing page, 1..5000 (default 1000, as S3: one page ahead stays small, and a
   * million blobs are still only a thousand requests).
   */
  pageSize?: number;
  /** Tries per request inside the SDK (default 3). */
  maxTries?: number;
  /** Milliseconds to wait for an answer's headers, and that a body may stay silent (default 60 s). */
  requestTimeoutMs?: number;
  /** Requests to this account at once (default 8). */
  maxConcurrency?: number;
  /** Smallest gap between two requests' starts (default 0). */
  minIntervalMs?: number;
  /** Time source of the pacer (tests); the system clock otherwise. */
  clock?: PacerClock;
}

export const AZUREBLOB_PACING = { maxConcurrency: 8, minIntervalMs: 0 };

/** rclone's convention: the file's own mtime as RFC 3339 in blob metadata `mtime`. */
const MTIME_KEY = 'mtime';
/** ADLS Gen2 and rclone mark a folder with a zero-length blob carrying this metadata. */
const FOLDER_FLAG = 'hdi_isfolder';

/**
 * An Azure Blob Storage container (or a prefix of one): listBlobsFlat pages, getProperties, ranged
 * download. Folders come from '/' in blob names and from folder marker blobs. The version is the
 * Content-MD5 when the blob has one (single-shot uploads), else size and mtime; mtime is blob
 * metadata `mtime` when present (rclone writes it), else Last-Modified in whole seconds. No quota:
 * Blob Storage has none per container. See README.md.
 */
export class AzureBlobProvider implements Provider {
  readonly name = 'azureblob';
  readonly capabilities: ProviderCapabilities = {
    hashTypes: ['md5'],
    mtimePrecisionMs: 1000,
    rangeReads: true,
    emptyFolders: false,
  };
  readonly container: string;
  /** The account root as a blob name prefix: '' or 'some/prefix/'. */
  readonly keyPrefix: string;
  /** Loaded on the first request: importing Ferry's providers must not load the Azure SDK. */
  private connected: Promise<ContainerClient> | undefined;
  private readonly openContainer: () => Promise<ContainerClient>;
  private readonly pageSize: number;
  private readonly pacer: Pacer;
  private readonly requestTimeoutMs: number;
  private running = 0;

  constructor(init: AzureBlobProviderInit) {
    const refuse = (message: string): never => {
      throw new FerryError('BAD_PROVIDER_OPTIONS', `azureblob: ${message}`);
    };
    if (typeof init.container !== 'string' || init.container.trim() === '') refuse('container is required');
    const pageSize = init.pageSize ?? 1000;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 5000)
      refuse(`pageSize must be 1..5000, got ${pageSize}`);
    const maxTries = init.maxTries ?? 3;
    if (!Number.isSafeInteger(maxTries) || maxTries < 1) refuse(`maxTries must be >= 1, got ${maxTries}`);
    if (init.endpoint !== undefined && !/^https?:\/\/[^/]/.test(init.endpoint))
      refuse(`endpoint must be an http or https URL, got '${init.endpoint}'`);
    const given = (value: string | undefined) => value !== undefined && value !== '';
    if (given(init.accountKey) && given(init.sasToken)) refuse('give accountKey or sasToken, not both');
    if (given(init.connectionString) && (given(init.accountKey) || given(init.sasToken)))
      refuse('a connectionString already holds the credentials: drop accountKey and sasToken');

    this.container = init.container.trim();
    this.keyPrefix = rootKeyPrefix(init.prefix);
    this.pageSize = pageSize;
    this.requestTimeoutMs = init.requestTimeoutMs ?? 60_000;
    if (!Number.isSafeInteger(this.requestTimeoutMs) || this.requestTimeoutMs < 1)
      refuse(`requestTimeoutMs must be a whole number >= 1, got ${this.requestTimeoutMs}`);
    this.pacer = new Pacer({
      concurrency: init.maxConcurrency ?? AZUREBLOB_PACING.maxConcurrency,
      minIntervalMs: init.minIntervalMs ?? AZUREBLOB_PACING.minIntervalMs,
      clock: init.clock ?? systemClock,
    });
    checkCredentials(init);
    const container = this.container;
    this.openContainer = async () => {
      const sdk = await import('@azure/storage-blob');
      return connect(sdk, init, maxTries).getContainerClient(container);
    };
  }

  /** Listings and downloads running right now (0 when every iteration has ended or stopped). */
  get activeRequests(): number {
    return this.running;
  }

  async *list(folder: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Entry> {
    const what = `list '${folder}'`;
    this.running++;
    try {
      yield* listObjectFolder({
        rootPrefix: this.keyPrefix,
        folder,
        fetchPage: async (prefix, token, signal) => {
          const page = await this.page(prefix, token, signal, what);
          const next = page.continuationToken === '' ? undefined : page.continuationToken;
          return { items: page.segment.blobItems, next };
        },
        keyOf: (blob) => blob.name,
        listed: listedBlob,
        notFound: `azureblob: ${what}: no such folder (no blob name starts with it)`,
        signal: options.signal,
      });
    } finally {
      this.running--;
    }
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    const segments = providerPathSegments(path);
    if (segments.length === 0) return { path: '', size: 0, mtime: 0, isDir: true };
    const what = `stat '${path}'`;
    const name = this.keyPrefix + path;
    const { signal } = options;
    const client = await this.client();
    const properties = await this.paced(what, signal, async (callSignal) => {
      try {
        return await client.getBlobClient(name).getProperties({ abortSignal: callSignal });
      } catch (error) {
        if (azureHttpStatus(error) === 404 && azureErrorCode(error) !== 'ContainerNotFound') return undefined;
        throw error;
      }
    });
    if (properties !== undefined) {
      const mtime = blobMtime(properties.metadata, properties.lastModified);
      if (isFolderFlag(properties.metadata)) return { path, size: 0, mtime, isDir: true };
      const entry: Entry = { path, size: properties.contentLength ?? 0, mtime, isDir: false };
      const md5 = md5Hex(properties.contentMD5);
      if (md5 !== undefined) {
        entry.hash = md5;
        entry.hashType = 'md5';
      }
      return entry;
    }
    // No blob of that name: a folder when some blob name starts with `path/`.
    const page = await this.page(`${name}/`, undefined, signal, what, 1);
    const first = page.segment.blobItems[0];
    if (first === undefined) throw new FerryError('NOT_FOUND', `azureblob: ${what}: no such file or folder`);
    return {
      path,
      size: 0,
      mtime: blobMtime(first.metadata, first.properties.lastModified),
      isDir: true,
    };
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    checkReadRange(options.offset, options.length);
    providerPathSegments(path);
    const offset = options.offset ?? 0;
    const { length, signal } = options;
    const what = `read '${path}'`;
    if (length === 0) {
      const entry = await this.stat(path, signal ? { signal } : {});
      if (entry.isDir) throw new FerryError('BAD_INPUT', `azureblob: ${what}: is a folder, not a file`);
      return;
    }
    this.running++;
    try {
      // The pacer slot covers the request up to the headers, not the body download.
      const client = await this.client();
      const response = await this.paced(what, signal, async (callSignal) => {
        try {
          return await client
            .getBlobClient(this.keyPrefix + path)
            .download(offset, length, { abortSignal: callSignal });
        } catch (error) {
          // 416: the range starts at or past the end; the blob exists (else BlobNotFound).
          if (azureHttpStatus(error) === 416 || azureErrorCode(error) === 'InvalidRange') return undefined;
          throw error;
        }
      });
      if (response === undefined) return;
      const body = response.readableStreamBody;
      const expected = response.contentLength;
      let got = 0;
      try {
        if (body !== undefined) {
          const chunks = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
          for (;;) {
            // A body that stays silent this long is broken off (the SDK has no idle timeout).
            const idle = setTimeout(
              () => (body as unknown as { destroy(error: Error): void }).destroy(new Error('no data')),
              this.requestTimeoutMs,
            );
            let step: IteratorResult<Uint8Array>;
            try {
              step = await chunks.next();
            } finally {
              clearTimeout(idle);
            }
            if (step.done) break;
            got += step.value.length;
            yield step.value;
          }
        }
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new FerryError(
          'TRUNCATED',
          `azureblob: ${what}: the download broke off after ${got} bytes (${azureErrorCode(error) ?? 'stream error'})`,
          'Ferry resumes with a ranged read',
          { cause: error },
        );
      } finally {
        (body as { destroy?(): void } | undefined)?.destroy?.();
      }
      if (expected !== undefined && got < expected)
        throw new FerryError('TRUNCATED', `azureblob: ${what}: got ${got} of ${expected} bytes`);
    } finally {
      this.running--;
    }
  }

  async close(): Promise<void> {}

  /** The container client, made once on first use (a failed attempt is tried again next time). */
  private client(): Promise<ContainerClient> {
    if (this.connected === undefined) {
      const connecting = this.openContainer();
      connecting.catch(() => {
        if (this.connected === connecting) this.connected = undefined;
      });
      this.connected = connecting;
    }
    return this.connected;
  }

  private async page(
    prefix: string,
    token: string | undefined,
    signal: AbortSignal | undefined,
    what: string,
    maxPageSize = this.pageSize,
  ): Promise<ContainerListBlobFlatSegmentResponse> {
    const client = await this.client();
    return this.paced(what, signal, async (callSignal) => {
      const pages = client
        .listBlobsFlat({
          prefix: prefix === '' ? undefined : prefix,
          includeMetadata: true,
          abortSignal: callSignal,
        })
        .byPage(token === undefined ? { maxPageSize } : { continuationToken: token, maxPageSize });
      const { value } = await pages.next();
      return value as ContainerListBlobFlatSegmentResponse;
    });
  }

  /**
   * One request through the account's pacer, its failure mapped to a typed error (so a
   * RATE_LIMITED answer pauses the whole account and is tried again there). An abort comes back
   * as the signal's reason.
   */
  private paced<T>(
    what: string,
    signal: AbortSignal | undefined,
    request: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return this.pacer.run(async () => {
      // The SDK sets no timeout of its own: a server that accepts and never answers would hold
      // the call forever. The timer covers the wait for the answer's headers, not a body.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), this.requestTimeoutMs);
      const callSignal = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
      try {
        return await request(callSignal);
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (timeout.signal.aborted)
          throw new FerryError(
            'TRANSIENT',
            `azureblob: ${what}: no answer within ${this.requestTimeoutMs} ms`,
            'Ferry retries by itself',
            { cause: error },
          );
        throw mapAzureError(error, what);
      } finally {
        clearTimeout(timer);
      }
    }, signal);
  }
}

const refuseOption = (message: string): never => {
  throw new FerryError('BAD_PROVIDER_OPTIONS', `azureblob: ${message}`);
};
const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/**
 * The credential checks `connect` would make, without the SDK, so bad options fail when the
 * account is created rather than on its first request.
 */
function checkCredentials(init: AzureBlobProviderInit): void {
  if (given(init.connectionString)) {
    // `Key=value;Key=value…`: the parts the SDK needs (it parses the rest on first use).
    const parts = init.connectionString
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    const keys = new Set(parts.map((part) => part.slice(0, part.indexOf('='))));
    const readable =
      parts.every((part) => /^[A-Za-z]+=/.test(part)) &&
      (keys.has('UseDevelopmentStorage') ||
        (keys.has('AccountName') && keys.has('AccountKey')) ||
        keys.has('SharedAccessSignature'));
    // Not the string itself in the message: it holds the key.
    if (!readable) refuseOption(CONNECTION_STRING_UNREADABLE);
    return;
  }
  if (!given(init.account) && !given(init.endpoint)) refuseOption('account (or endpoint) is required');
  if (given(init.accountKey)) {
    if (!given(init.account)) refuseOption('accountKey needs account');
    // Buffer.from(…, 'base64') never throws: check the shape, or a typo signs with garbage.
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(init.accountKey) || init.accountKey.length % 4 !== 0)
      refuseOption('accountKey must be the base64 key of the storage account');
  }
}

const CONNECTION_STRING_UNREADABLE =
  'connectionString cannot be read (expected AccountName=…;AccountKey=… or a SAS form)';

/** The service client for the credentials given (checked by `checkCredentials` before). */
function connect(
  sdk: typeof import('@azure/storage-blob'),
  init: AzureBlobProviderInit,
  maxTries: number,
): BlobServiceClient {
  const { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential } = sdk;
  const pipeline = { retryOptions: { maxTries } };
  if (given(init.connectionString)) {
    try {
      return BlobServiceClient.fromConnectionString(init.connectionString, pipeline);
    } catch {
      // Not the SDK's message: it may quote the string, key included.
      return refuseOption(CONNECTION_STRING_UNREADABLE);
    }
  }
  const endpoint = (init.endpoint ?? `https://${init.account}.blob.core.windows.net`).replace(/\/+$/, '');
  if (given(init.accountKey)) {
    const credential = new StorageSharedKeyCredential(init.account as string, init.accountKey);
    return new BlobServiceClient(endpoint, credential, pipeline);
  }
  if (given(init.sasToken))
    return new BlobServiceClient(
      `${endpoint}?${init.sasToken.replace(/^\?/, '')}`,
      new AnonymousCredential(),
      pipeline,
    );
  return new BlobServiceClient(endpoint, new AnonymousCredential(), pipeline);
}

/** `name`: the blob name with the listed prefix cut off. */
function listedBlob(blob: BlobItem, name: string): ListedObject {
  const size = blob.properties.contentLength ?? 0;
  const listed: ListedObject = {
    name,
    size,
    mtime: blobMtime(blob.metadata, blob.properties.lastModified),
    marker: isFolderFlag(blob.metadata) || (blob.name.endsWith('/') && size === 0),
  };
  const md5 = md5Hex(blob.properties.contentMD5);
  if (md5 !== undefined) {
    listed.hash = md5;
    listed.hashType = 'md5';
  }
  return listed;
}

function metadataValue(metadata: Record<string, string> | undefined, key: string): string | undefined {
  if (metadata === undefined) return undefined;
  for (const [name, value] of Object.entries(metadata)) if (name.toLowerCase() === key) return value;
  return undefined;
}

function isFolderFlag(metadata: Record<string, string> | undefined): boolean {
  return metadataValue(metadata, FOLDER_FLAG)?.toLowerCase() === 'true';
}

/** Metadata `mtime` when it is a readable date, else Last-Modified in whole seconds. */
export function blobMtime(
  metadata: Record<string, string> | undefined,
  lastModified: Date | undefined,
): number {
  const stored = metadataValue(metadata, MTIME_KEY);
  if (stored !== undefined) {
    const parsed = Date.parse(stored);
    if (Number.isFinite(parsed)) return parsed;
  }
  return wholeSeconds(lastModified?.getTime() ?? 0);
}

/** Content-MD5 (16 raw bytes) as lowercase hex; undefined when absent or not 16 bytes. */
export function md5Hex(contentMD5: Uint8Array | undefined): string | undefined {
  if (contentMD5 === undefined || contentMD5.length !== 16) return undefined;
  return Buffer.from(contentMD5).toString('hex');
}
