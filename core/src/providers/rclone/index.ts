import { FerryError } from '../../errors.js';
import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import { pacerOptionSpecs } from '../pacer.js';
import { RcloneProvider } from './rclone-provider.js';

export { parseRcloneTime, RcloneProvider, type RcloneProviderInit, rcError } from './rclone-provider.js';

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const integer = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** `ferry account add --provider rclone --set remote=gdrive --set config=/home/ann/.config/rclone/rclone.conf` */
export const rcloneProviderFactory: ProviderFactory = {
  name: 'rclone',
  description: 'any rclone remote (Drive, Dropbox, OneDrive, B2, …) through an rclone rcd Ferry starts',
  options: [
    { key: 'remote', type: 'string', required: true, help: "the remote's name in rclone.conf (like gdrive)" },
    {
      key: 'root',
      type: 'string',
      required: false,
      default: '',
      help: 'a folder inside the remote (default: its root)',
    },
    {
      key: 'config',
      type: 'path',
      required: false,
      help: "absolute path of rclone.conf on every host that runs the account (default: rclone's own)",
    },
    {
      key: 'remoteConfig',
      type: 'secret',
      multiline: true,
      required: false,
      help: 'the remote inline, as `rclone config show NAME` prints it (OAuth token included): kept encrypted, each relay and device writes its own private rclone.conf (instead of config)',
    },
    { key: 'binary', type: 'string', required: false, default: 'rclone', help: 'the rclone executable' },
    {
      key: 'hash',
      type: 'string',
      required: false,
      default: 'auto',
      help: "'auto' (the remote's best hash: md5, sha1, sha256, quickxor, dropbox, crc32), 'none', or one of those",
    },
    ...pacerOptionSpecs({ maxConcurrency: 4, minIntervalMs: 0 }),
    {
      key: 'timeoutMs',
      type: 'integer',
      required: false,
      default: 300_000,
      help: "longest wait for one rclone answer (a big folder's listing included), in milliseconds",
    },
  ],
  create(options: ProviderOptions): RcloneProvider {
    const remote = text(options.remote);
    if (remote === undefined)
      throw new FerryError('BAD_PROVIDER_OPTIONS', "rclone: option 'remote' is required");
    return new RcloneProvider({
      remote,
      root: text(options.root),
      config: text(options.config),
      remoteConfig: text(options.remoteConfig),
      binary: text(options.binary),
      hash: text(options.hash),
      maxConcurrency: integer(options.maxConcurrency),
      minIntervalMs: integer(options.minIntervalMs),
      timeoutMs: integer(options.timeoutMs),
    });
  },
};
