import { FerryError } from '../../errors.js';
import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import { pacerOptionSpecs } from '../pacer.js';
import type { WebdavHashSource } from './dav-props.js';
import { WEBDAV_HASH_SOURCES, WebdavProvider } from './webdav-provider.js';

// parseMultistatus is not re-exported here: it would load fast-xml-parser with the registry.
export { md5Of, type WebdavHashSource } from './dav-props.js';
export { WEBDAV_HASH_SOURCES, WebdavProvider, type WebdavProviderInit } from './webdav-provider.js';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const integer = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** `ferry account add --provider webdav --set url=https://dav.example.org/photos/ --set user=ann --set password=…` */
export const webdavProviderFactory: ProviderFactory = {
  name: 'webdav',
  description: 'a WebDAV server (Nextcloud, ownCloud, Apache, nginx, rclone serve webdav, …)',
  options: [
    { key: 'url', type: 'url', required: true, help: 'http(s) URL of the folder to back up' },
    { key: 'user', type: 'string', required: false, help: 'user name for HTTP basic auth' },
    { key: 'password', type: 'secret', required: false, help: 'password for HTTP basic auth' },
    {
      key: 'hash',
      type: 'string',
      required: false,
      default: 'none',
      help: "where MD5s come from: 'none' (version = size + mtime), 'checksums' (oc:checksums: Nextcloud, ownCloud), 'etag' (the ETag is the MD5: rclone serve webdav --etag-hash MD5)",
    },
    ...pacerOptionSpecs({ maxConcurrency: 4, minIntervalMs: 0 }),
    {
      key: 'timeoutMs',
      type: 'integer',
      required: false,
      default: 120_000,
      help: 'longest wait for an answer, in milliseconds',
    },
  ],
  create(options: ProviderOptions): WebdavProvider {
    const url = text(options.url);
    if (url === undefined) throw new FerryError('BAD_PROVIDER_OPTIONS', "webdav: option 'url' is required");
    const hash = text(options.hash) ?? 'none';
    if (!(WEBDAV_HASH_SOURCES as readonly string[]).includes(hash))
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `webdav: option 'hash' must be one of ${WEBDAV_HASH_SOURCES.join(', ')}, got '${hash}'`,
      );
    return new WebdavProvider({
      url,
      user: text(options.user),
      password: text(options.password),
      hash: hash as WebdavHashSource,
      maxConcurrency: integer(options.maxConcurrency),
      minIntervalMs: integer(options.minIntervalMs),
      timeoutMs: integer(options.timeoutMs),
    });
  },
};
