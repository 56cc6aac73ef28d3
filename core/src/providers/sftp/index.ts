import { FerryError } from '../../errors.js';
import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import { pacerOptionSpecs } from '../pacer.js';
import { SftpProvider, type SftpProviderInit } from './sftp-provider.js';

export { hostKeyFingerprint, normalizeHostKeySha256 } from './host-key.js';
export { SftpProvider, type SftpProviderInit } from './sftp-provider.js';

/**
 * `ferry account add --provider sftp --set host=nas.local --set user=me --set privateKeyPath=/…`:
 * a folder on an SSH server.
 */
export const sftpProviderFactory: ProviderFactory = {
  name: 'sftp',
  description: 'a folder on an SSH/SFTP server (version = size + mtime; md5 via md5sum with remoteMd5)',
  options: [
    { key: 'host', type: 'string', required: true, help: 'server name or IP address' },
    { key: 'port', type: 'integer', required: false, default: 22, help: 'SSH port' },
    { key: 'user', type: 'string', required: true, help: 'login name' },
    { key: 'password', type: 'secret', required: false, help: 'login password (or use a private key)' },
    {
      key: 'privateKey',
      type: 'secret',
      multiline: true,
      required: false,
      help: 'private key text (OpenSSH or PEM)',
    },
    { key: 'privateKeyPath', type: 'path', required: false, help: 'file holding the private key' },
    { key: 'passphrase', type: 'secret', required: false, help: "the private key's passphrase, if any" },
    {
      key: 'hostKeySha256',
      type: 'string',
      required: false,
      help: "the server's host key fingerprint (SHA256:…); empty: pinned on first use",
    },
    {
      key: 'root',
      type: 'string',
      required: false,
      help: 'folder to back up: absolute, or relative to the login folder (default: the login folder)',
    },
    {
      key: 'remoteMd5',
      type: 'boolean',
      required: false,
      default: false,
      help: 'hash files with md5sum on the server (needs a shell; reads every byte there)',
    },
    ...pacerOptionSpecs({ maxConcurrency: 4, minIntervalMs: 0 }),
  ],
  create(options: ProviderOptions): SftpProvider {
    const text = (key: string): string | undefined => {
      const value = options[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'string')
        throw new FerryError('BAD_PROVIDER_OPTIONS', `sftp: option '${key}' must be text`);
      return value;
    };
    const number = (key: string): number | undefined => {
      const value = options[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'number')
        throw new FerryError('BAD_PROVIDER_OPTIONS', `sftp: option '${key}' must be a whole number`);
      return value;
    };
    const init: SftpProviderInit = { host: text('host') ?? '', user: text('user') ?? '' };
    for (const key of [
      'password',
      'privateKey',
      'privateKeyPath',
      'passphrase',
      'hostKeySha256',
      'root',
    ] as const) {
      const value = text(key);
      if (value !== undefined) init[key] = value;
    }
    const port = number('port');
    if (port !== undefined) init.port = port;
    const maxConcurrency = number('maxConcurrency');
    if (maxConcurrency !== undefined) init.maxConcurrency = maxConcurrency;
    const minIntervalMs = number('minIntervalMs');
    if (minIntervalMs !== undefined) init.minIntervalMs = minIntervalMs;
    if (options.remoteMd5 === true) init.remoteMd5 = true;
    return new SftpProvider(init);
  },
};
