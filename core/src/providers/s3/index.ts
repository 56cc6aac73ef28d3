import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import { pacerOptionSpecs } from '../pacer.js';
import { S3_PACING, S3Provider } from './s3-provider.js';

export { md5FromEtag } from './etag.js';
export { mapS3Error } from './s3-errors.js';
export { S3_PACING, S3Provider, type S3ProviderInit } from './s3-provider.js';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * `ferry account add --provider s3 --set bucket=photos --set accessKeyId=… --set secretAccessKey=…`:
 * AWS S3 or any S3-compatible store (MinIO, Backblaze B2, Wasabi, Cloudflare R2, …) via `endpoint`.
 */
export const s3ProviderFactory: ProviderFactory = {
  name: 's3',
  description: 'an S3 bucket: AWS or an S3-compatible store (md5 from plain ETags)',
  options: [
    { key: 'bucket', type: 'string', required: true, help: 'bucket name' },
    {
      key: 'prefix',
      type: 'string',
      required: false,
      help: "key prefix that is the account's root (default: the whole bucket)",
    },
    {
      key: 'region',
      type: 'string',
      required: false,
      default: 'us-east-1',
      help: "bucket region (R2: 'auto')",
    },
    {
      key: 'endpoint',
      type: 'url',
      required: false,
      help: 'server URL of an S3-compatible store (absent: AWS)',
    },
    {
      key: 'forcePathStyle',
      type: 'boolean',
      required: false,
      default: false,
      help: 'address the bucket as <endpoint>/<bucket> (MinIO and most self-hosted stores)',
    },
    { key: 'accessKeyId', type: 'string', required: true, help: 'access key id' },
    { key: 'secretAccessKey', type: 'secret', required: true, help: 'secret access key' },
    {
      key: 'md5Etags',
      type: 'boolean',
      required: false,
      default: true,
      help: 'trust plain ETags as MD5 (turn off for SSE-KMS or SSE-C encrypted buckets)',
    },
    ...pacerOptionSpecs(S3_PACING),
  ],
  create(options: ProviderOptions): S3Provider {
    const init: ConstructorParameters<typeof S3Provider>[0] = {
      bucket: text(options.bucket) ?? '',
      accessKeyId: text(options.accessKeyId) ?? '',
      secretAccessKey: text(options.secretAccessKey) ?? '',
      forcePathStyle: options.forcePathStyle === true,
      md5Etags: options.md5Etags !== false,
    };
    const prefix = text(options.prefix);
    const region = text(options.region);
    const endpoint = text(options.endpoint);
    if (prefix !== undefined) init.prefix = prefix;
    if (region !== undefined) init.region = region;
    if (endpoint !== undefined) init.endpoint = endpoint;
    if (typeof options.maxConcurrency === 'number') init.maxConcurrency = options.maxConcurrency;
    if (typeof options.minIntervalMs === 'number') init.minIntervalMs = options.minIntervalMs;
    return new S3Provider(init);
  },
};
