import type { ListObjectsV2CommandOutput, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import type { Provider, ProviderCapabilities, ReadOptions } from '../../provider.js';
import { systemClock } from '../clock/index.js';
import { type ListedObject, listObjectFolder, rootKeyPrefix, wholeSeconds } from '../object-store.js';
import { Pacer, type PacerClock } from '../pacer.js';
import { checkReadRange, providerPathSegments } from '../provider-path.js';
import { md5FromEtag } from './etag.js';
import { mapS3Error, s3ErrorCode, s3HttpStatus } from './s3-errors.js';

export interface S3ProviderInit {
  bucket: string;
  /** Key prefix inside the bucket that is the account's root ('' or absent: the whole bucket). */
  prefix?: string;
  /** Default us-east-1; R2 wants 'auto'. */
  region?: string;
  /** For S3-compatible stores (MinIO, B2, Wasabi, R2, …); absent: AWS itself. */
  endpoint?: string;
  forcePathStyle?: boolean;
  accessKeyId: string;
  secretAccessKey: string;
  /** Report ETags as md5 (default true). Turn off for SSE-KMS / SSE-C buckets, whose ETags are not MD5s. */
  md5Etags?: boolean;
  /** Keys per ListObjectsV2 page, 1..1000 (default 1000, the S3 maximum). */
  pageSize?: number;
  /** Attempts per request inside the SDK (default 3: two quick retries before Ferry's own). */
  maxAttempts?: number;
  /** Milliseconds to open a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** Milliseconds to wait for an answer's headers, and that a body may stay silent (default 60 s). */
  requestTimeoutMs?: number;
  /** Requests to this account at once (default 8). */
  maxConcurrency?: number;
  /** Smallest gap between two requests' starts (default 0). */
  minIntervalMs?: number;
  /** Time source of the pacer (tests); the system clock otherwise. */
  clock?: PacerClock;
}

interface S3Connection {
  sdk: typeof import('@aws-sdk/client-s3');
  client: S3Client;
}

export const S3_PACING = { maxConcurrency: 8, minIntervalMs: 0 };

/** Zero-byte objects whose key ends in '/' are folder markers. */
const isMarkerKey = (key: string, size: number) => key.endsWith('/') && size === 0;

/**
 * An S3 bucket (or a prefix of one) through ListObjectsV2, HeadObject and ranged GetObject. Object
 * stores have no folders: they come from key prefixes and zero-byte `dir/` markers. The version
 * is the ETag's MD5 when the ETag is one (not for multipart uploads), else size and mtime, where
 * mtime is the object's LastModified in whole seconds. No quota: S3 has none. See README.md.
 */
export class S3Provider implements Provider {
  readonly name = 's3';
  readonly capabilities: ProviderCapabilities;
  readonly bucket: string;
  /** The account root as a key prefix: '' or 'some/prefix/'. */
  readonly keyPrefix: string;
  private readonly clientConfig: S3ClientConfig;
  /** The SDK and its client, loaded on the first request: importing Ferry's providers must not load the AWS SDK. */
  private connected: Promise<S3Connection> | undefined;
  private readonly md5Etags: boolean;
  private readonly pageSize: number;
  private readonly pacer: Pacer;
  private running = 0;

  constructor(init: S3ProviderInit) {
    const refuse = (message: string): never => {
      throw new FerryError('BAD_PROVIDER_OPTIONS', `s3: ${message}`);
    };
    if (typeof init.bucket !== 'string' || init.bucket.trim() === '') refuse('bucket is required');
    if (typeof init.accessKeyId !== 'string' || init.accessKeyId === '') refuse('accessKeyId is required');
    if (typeof init.secretAccessKey !== 'string' || init.secretAccessKey === '')
      refuse('secretAccessKey is required');
    if (init.endpoint !== undefined && !/^https?:\/\/[^/]/.test(init.endpoint))
      refuse(`endpoint must be an http or https URL, got '${init.endpoint}'`);
    const pageSize = init.pageSize ?? 1000;
    if (!Number.isSafeInteger(pageSize) || pageSize < 1 || pageSize > 1000)
      refuse(`pageSize must be 1..1000, got ${pageSize}`);
    const maxAttempts = init.maxAttempts ?? 3;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1)
      refuse(`maxAttempts must be >= 1, got ${maxAttempts}`);

    this.bucket = init.bucket.trim();
    this.keyPrefix = rootKeyPrefix(init.prefix);
    this.md5Etags = init.md5Etags ?? true;
    this.pageSize = pageSize;
    this.pacer = new Pacer({
      concurrency: init.maxConcurrency ?? S3_PACING.maxConcurrency,
      minIntervalMs: init.minIntervalMs ?? S3_PACING.minIntervalMs,
      clock: init.clock ?? systemClock,
    });
    this.capabilities = {
      hashTypes: this.md5Etags ? ['md5'] : [],
      mtimePrecisionMs: 1000,
      rangeReads: true,
      emptyFolders: false,
    };
    this.clientConfig = {
      region: init.region === undefined || init.region === '' ? 'us-east-1' : init.region,
      ...(init.endpoint === undefined ? {} : { endpoint: init.endpoint }),
      forcePathStyle: init.forcePathStyle ?? false,
      credentials: { accessKeyId: init.accessKeyId, secretAccessKey: init.secretAccessKey },
      maxAttempts,
      // Checksums only where S3 demands them: S3-compatible stores (s3rver, older MinIO) store
      // aws-chunked framing as content, and Ferry verifies the MD5 itself after a download.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        connectionTimeout: init.connectTimeoutMs ?? 10_000,
        // requestTimeout: the wait for the answer's headers; without throwOnRequestTimeout the
        // handler only logs a warning and keeps waiting. socketTimeout: silence mid-body.
        requestTimeout: init.requestTimeoutMs ?? 60_000,
        throwOnRequestTimeout: true,
        socketTimeout: init.requestTimeoutMs ?? 60_000,
      },
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
          return {
            items: page.Contents ?? [],
            next: page.IsTruncated ? page.NextContinuationToken : undefined,
          };
        },
        keyOf: (object) => object.Key,
        listed: (object, name) => this.listedObject(object, name),
        notFound: `s3: ${what}: no such folder (no key starts with it)`,
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
    const key = this.keyPrefix + path;
    const { signal } = options;
    const head = await this.paced(what, signal, async () => {
      try {
        const { client, sdk } = await this.connection();
        return await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }), {
          abortSignal: signal,
        });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
    if (head !== undefined) {
      const entry: Entry = {
        path,
        size: head.ContentLength ?? 0,
        mtime: wholeSeconds(head.LastModified?.getTime() ?? 0),
        isDir: false,
      };
      const md5 = this.md5Etags ? md5FromEtag(head.ETag) : undefined;
      if (md5 !== undefined) {
        entry.hash = md5;
        entry.hashType = 'md5';
      }
      return entry;
    }
    // No object of that name: a folder when some key starts with `path/`.
    const page = await this.page(`${key}/`, undefined, signal, what, 1);
    const first = page.Contents?.[0];
    if (first === undefined) throw new FerryError('NOT_FOUND', `s3: ${what}: no such file or folder`);
    return { path, size: 0, mtime: wholeSeconds(first.LastModified?.getTime() ?? 0), isDir: true };
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    checkReadRange(options.offset, options.length);
    providerPathSegments(path);
    const offset = options.offset ?? 0;
    const { length, signal } = options;
    const what = `read '${path}'`;
    if (length === 0) {
      await this.stat(path, { ...(signal ? { signal } : {}) }).then((entry) => {
        if (entry.isDir) throw new FerryError('BAD_INPUT', `s3: ${what}: is a folder, not a file`);
      });
      return;
    }
    const range =
      offset === 0 && length === undefined
        ? undefined
        : `bytes=${offset}-${length === undefined ? '' : offset + length - 1}`;
    this.running++;
    try {
      // The pacer slot covers the request up to the headers, not the body download.
      const response = await this.paced(what, signal, async () => {
        try {
          const { client, sdk } = await this.connection();
          return await client.send(
            new sdk.GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + path, Range: range }),
            { abortSignal: signal },
          );
        } catch (error) {
          // 416: the range starts at or past the end; the object exists (else NoSuchKey).
          if (s3HttpStatus(error) === 416 || s3ErrorCode(error) === 'InvalidRange') return undefined;
          throw error;
        }
      });
      if (response === undefined) return;
      const body = response.Body as (AsyncIterable<Uint8Array> & { destroy?(): void }) | undefined;
      const expected = response.ContentLength;
      let got = 0;
      try {
        if (body !== undefined)
          for await (const chunk of body) {
            got += chunk.length;
            yield chunk;
          }
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw new FerryError(
          'TRUNCATED',
          `s3: ${what}: the download broke off after ${got} bytes (${s3ErrorCode(error) ?? 'stream error'})`,
          'Ferry resumes with a ranged read',
          { cause: error },
        );
      } finally {
        body?.destroy?.();
      }
      if (expected !== undefined && got < expected)
        throw new FerryError('TRUNCATED', `s3: ${what}: got ${got} of ${expected} bytes`);
    } finally {
      this.running--;
    }
  }

  async close(): Promise<void> {
    const connected = this.connected;
    if (connected === undefined) return;
    await connected.then(
      ({ client }) => client.destroy(),
      () => {},
    );
  }

  /** The SDK module and the client, made once on first use. */
  private connection(): Promise<S3Connection> {
    this.connected ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client(this.clientConfig),
    }));
    return this.connected;
  }

  /** `name`: the key with the listed prefix cut off. */
  private listedObject(
    object: NonNullable<ListObjectsV2CommandOutput['Contents']>[number],
    name: string,
  ): ListedObject {
    const key = object.Key as string;
    const size = object.Size ?? 0;
    const listed: ListedObject = {
      name,
      size,
      mtime: wholeSeconds(object.LastModified?.getTime() ?? 0),
      marker: isMarkerKey(key, size),
    };
    const md5 = this.md5Etags ? md5FromEtag(object.ETag) : undefined;
    if (md5 !== undefined) {
      listed.hash = md5;
      listed.hashType = 'md5';
    }
    return listed;
  }

  private async page(
    prefix: string,
    token: string | undefined,
    signal: AbortSignal | undefined,
    what: string,
    maxKeys = this.pageSize,
  ): Promise<ListObjectsV2CommandOutput> {
    const { client, sdk } = await this.connection();
    return this.paced(what, signal, () =>
      client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix === '' ? undefined : prefix,
          ContinuationToken: token,
          MaxKeys: maxKeys,
        }),
        { abortSignal: signal },
      ),
    );
  }

  /**
   * One request through the account's pacer, its failure mapped to a typed error (so a
   * RATE_LIMITED answer pauses the whole account and is tried again there). An abort comes back
   * as the signal's reason.
   */
  private paced<T>(what: string, signal: AbortSignal | undefined, request: () => Promise<T>): Promise<T> {
    return this.pacer.run(async () => {
      try {
        return await request();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        throw mapS3Error(error, what);
      }
    }, signal);
  }
}

function isNotFound(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return (
    code === 'NotFound' || code === 'NoSuchKey' || (s3HttpStatus(error) === 404 && code !== 'NoSuchBucket')
  );
}
