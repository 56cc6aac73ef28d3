import { OAUTH_CLOUDS } from '../oauth.js';
import type { CommandSpec, FlagSpec, PositionalSpec } from './spec.js';

/**
 * Every `ferry` command and its flags. Parsing, help, docs/cli.md and the tests all read this
 * table; a runner for each command is wired in bin/commands.ts.
 */

/** Flags every client command shares: which relay, and where `ferry login` keeps the token. */
const RELAY: FlagSpec = {
  name: 'relay',
  type: 'url',
  help: 'relay to talk to; defaults to the one saved by ferry login',
};
const CONFIG: FlagSpec = {
  name: 'config',
  type: 'path',
  valueName: 'DIR',
  help: 'where ferry login keeps the relay address and token; $XDG_CONFIG_HOME/ferry or ~/.config/ferry if unset',
};
const CLIENT_FLAGS: readonly FlagSpec[] = [RELAY, CONFIG];

const DATA: FlagSpec = {
  name: 'data',
  type: 'path',
  valueName: 'DIR',
  default: './ferry-data',
  help: "the relay's database, keys and documents; back this folder up",
};
const CRAWL_INTERVAL_HELP = 'time between two crawls of a container, e.g. 24h, 90m';
const GROUP_SIZE_HELP = 'entries per task group';
const GROUP_SIZE_BOUNDS = { min: 1, max: 1_000_000 } as const;

/** How a device works its disk: the same for `ferry device` and the device inside `ferry up`. */
const DEVICE_WORK_FLAGS: readonly FlagSpec[] = [
  {
    name: 'min-free',
    type: 'size',
    default: '1GB',
    help: 'stay inactive while the disk has less free space',
  },
  {
    name: 'recheck',
    type: 'duration',
    default: '1m',
    help: 'how often an inactive device looks at the free space again',
  },
  {
    name: 'parallel',
    type: 'enum',
    values: ['auto', 'serial'],
    alsoInteger: true,
    min: 1,
    max: 256,
    default: 'auto',
    help: 'auto: from CPUs and disk speed; serial: one container at a time; N: files in flight',
  },
];

const name = (help: string): PositionalSpec => ({ name: 'NAME', help });

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'relay',
    summary: 'run the relay: logins, crawler, document sync and storage, web panel',
    flags: [
      DATA,
      {
        name: 'host',
        type: 'string',
        valueName: 'ADDRESS',
        default: '127.0.0.1',
        help: 'address to listen on',
      },
      {
        name: 'port',
        type: 'integer',
        min: 0,
        max: 65535,
        default: '8787',
        help: 'port to listen on, 0 for any free port',
      },
      {
        name: 'crawl-interval',
        type: 'duration',
        default: '24h',
        help: `${CRAWL_INTERVAL_HELP}; containers may set their own`,
      },
      {
        name: 'group-size',
        type: 'integer',
        ...GROUP_SIZE_BOUNDS,
        default: '1000',
        help: `${GROUP_SIZE_HELP}; containers may set their own`,
      },
      {
        name: 'tls-cert',
        type: 'path',
        valueName: 'FILE',
        help: 'PEM certificate (chain): serve https and wss instead of http; needs --tls-key',
      },
      {
        name: 'tls-key',
        type: 'path',
        valueName: 'FILE',
        help: 'PEM private key of --tls-cert',
      },
      {
        name: 'trust-proxy',
        type: 'string',
        valueName: 'ADDRESSES',
        help: 'reverse proxies to believe X-Forwarded-For/-Proto from (comma-separated addresses or CIDRs, e.g. 127.0.0.1)',
      },
    ],
    positionals: [],
  },
  {
    name: 'user add',
    summary: 'create a user on the relay',
    description: 'Works on the relay data folder directly, so run it where the relay runs.',
    flags: [DATA],
    positionals: [name('user name')],
    secrets: [{ name: 'password', env: 'FERRY_PASSWORD', fromStdin: true, help: "the new user's password" }],
  },
  {
    name: 'login',
    summary: 'log in to a relay and keep the session token in the config folder',
    flags: [
      { ...RELAY, required: true, help: 'relay to log in to' },
      { name: 'user', type: 'string', valueName: 'NAME', required: true, help: 'user name' },
      CONFIG,
    ],
    positionals: [],
    secrets: [{ name: 'password', env: 'FERRY_PASSWORD', fromStdin: true, help: 'your password' }],
  },
  {
    name: 'pair',
    summary: 'print a one-time code (valid 10 minutes) that binds a device: ferry device --pair CODE',
    flags: CLIENT_FLAGS,
    positionals: [],
  },
  {
    name: 'devices list',
    summary: 'list your devices: bound or not, last seen, label',
    flags: CLIENT_FLAGS,
    positionals: [],
  },
  {
    name: 'devices rename',
    summary: "set a device's display label (its name stays: it names its documents and token)",
    flags: [
      {
        name: 'label',
        type: 'string',
        valueName: 'TEXT',
        required: true,
        help: 'at most 64 characters; empty shows the name again',
      },
      ...CLIENT_FLAGS,
    ],
    positionals: [name('device name')],
  },
  {
    name: 'devices unbind',
    summary: "revoke a device's token at once (a lost or stolen disk); the files on its disk stay",
    flags: CLIENT_FLAGS,
    positionals: [name('device name')],
  },
  {
    name: 'account add',
    summary: 'save a cloud account after checking its options with one listing',
    flags: [
      {
        name: 'provider',
        type: 'string',
        valueName: 'NAME',
        required: true,
        help: 'provider name, e.g. local, webdav',
      },
      {
        name: 'set',
        type: 'list',
        valueName: 'KEY=VALUE',
        itemFormat: 'key=value',
        help: 'a provider option, repeatable; the env twin takes one KEY=VALUE per line',
      },
      ...CLIENT_FLAGS,
    ],
    positionals: [name('account name')],
  },
  {
    name: 'account update',
    summary: "change an account's options in place (new credentials), checked with one listing",
    flags: [
      {
        name: 'set',
        type: 'list',
        valueName: 'KEY=VALUE',
        itemFormat: 'key=value',
        help: 'an option to change, repeatable; options not named keep their saved value',
      },
      {
        name: 'unset',
        type: 'list',
        valueName: 'KEY',
        help: 'a saved option to drop, repeatable (e.g. a password replaced by a key)',
      },
      ...CLIENT_FLAGS,
    ],
    positionals: [name('account name')],
  },
  {
    name: 'account connect',
    summary: 'sign in at an OAuth cloud (Google Drive, Dropbox) in a browser and save the account',
    description:
      "Prints the cloud's sign-in address to open in a browser that reaches the relay, then waits until the cloud sends the browser back and the relay has saved the account (or says why not). The OAuth app is your own, registered at the cloud with <relay>/api/oauth/callback as its redirect URI.",
    flags: [
      {
        name: 'cloud',
        type: 'enum',
        values: OAUTH_CLOUDS.map((cloud) => cloud.id),
        required: true,
        help: 'the cloud to sign in to',
      },
      {
        name: 'client-id',
        type: 'string',
        valueName: 'ID',
        required: true,
        help: 'the client id of your OAuth app at the cloud',
      },
      { name: 'auth-url', type: 'url', help: "the cloud's authorization endpoint, when not its usual one" },
      { name: 'grant-url', type: 'url', help: "the cloud's token endpoint, when not its usual one" },
      ...CLIENT_FLAGS,
    ],
    positionals: [name('account name')],
    secrets: [
      {
        name: 'client secret',
        env: 'FERRY_CLIENT_SECRET',
        fromStdin: true,
        help: 'the client secret of your OAuth app',
      },
    ],
  },
  {
    name: 'account reconnect',
    summary: 'sign in again at the cloud of an account connected with OAuth (an expired or revoked token)',
    flags: CLIENT_FLAGS,
    positionals: [name('account name')],
  },
  {
    name: 'account list',
    summary: 'list your cloud accounts (never their credentials)',
    flags: CLIENT_FLAGS,
    positionals: [],
  },
  {
    name: 'account remove',
    summary: 'remove a cloud account that no container uses',
    flags: CLIENT_FLAGS,
    positionals: [name('account name')],
  },
  {
    name: 'container add',
    summary: 'back up an account, or one folder of it, onto a device',
    flags: [
      { name: 'account', type: 'string', valueName: 'NAME', required: true, help: 'the account to back up' },
      {
        name: 'folder',
        type: 'string',
        valueName: 'PATH',
        default: '/',
        help: 'folder of the account to back up',
      },
      {
        name: 'device',
        type: 'string',
        valueName: 'NAME',
        required: true,
        help: 'the device that keeps the copy',
      },
      {
        name: 'group-size',
        type: 'integer',
        ...GROUP_SIZE_BOUNDS,
        help: `${GROUP_SIZE_HELP}, the relay's --group-size if unset`,
      },
      {
        name: 'crawl-interval',
        type: 'duration',
        help: `${CRAWL_INTERVAL_HELP}; the relay's --crawl-interval if unset`,
      },
      ...CLIENT_FLAGS,
    ],
    positionals: [name('container name')],
  },
  { name: 'container list', summary: 'list your containers', flags: CLIENT_FLAGS, positionals: [] },
  {
    name: 'container remove',
    summary: 'stop backing up a container (files already on the disk stay)',
    flags: CLIENT_FLAGS,
    positionals: [name('container name')],
  },
  {
    name: 'crawl',
    summary: 'crawl a container now',
    flags: CLIENT_FLAGS,
    positionals: [name('container name')],
  },
  {
    name: 'status',
    summary: 'devices and containers: online, free space, files and bytes fetched, last crawl',
    flags: [{ name: 'json', type: 'boolean', help: 'print JSON instead of a table' }, ...CLIENT_FLAGS],
    positionals: [],
  },
  {
    name: 'device',
    summary: 'run the disk agent: pull due files from the clouds onto the disk',
    flags: [
      { ...RELAY, required: true, help: 'relay this device works for' },
      {
        name: 'disk',
        type: 'path',
        valueName: 'DIR',
        required: true,
        help: 'where the backups go; the disk keeps its own state',
      },
      {
        name: 'name',
        type: 'string',
        valueName: 'NAME',
        help: 'device name shown on the relay, the host name if unset',
      },
      {
        name: 'pair',
        type: 'string',
        valueName: 'CODE',
        help: 'one-time code from ferry pair, to bind this device',
      },
      ...DEVICE_WORK_FLAGS,
      {
        name: 'port',
        type: 'integer',
        min: 0,
        max: 65535,
        default: '8788',
        help: "port of the device's local panel",
      },
      {
        ...CONFIG,
        help: "this host's folder for the device's key (it seals the container list kept on the disk); $XDG_CONFIG_HOME/ferry or ~/.config/ferry if unset",
      },
    ],
    positionals: [],
  },
  {
    name: 'up',
    summary: 'relay and device in one process, for a NAS or a laptop',
    flags: [
      {
        name: 'disk',
        type: 'path',
        valueName: 'DIR',
        default: './ferry-disk',
        help: 'where the backups go; the disk keeps its own state',
      },
      DATA,
      {
        name: 'host',
        type: 'string',
        valueName: 'ADDRESS',
        default: '127.0.0.1',
        help: 'address the relay listens on',
      },
      {
        name: 'port',
        type: 'integer',
        min: 0,
        max: 65535,
        default: '8787',
        help: 'port of the relay and its panel',
      },
      ...DEVICE_WORK_FLAGS,
    ],
    positionals: [],
  },
];
