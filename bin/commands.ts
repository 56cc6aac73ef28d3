import type { Runner } from '@ferry/core';

/**
 * Which module runs each command, loaded only when that command is run (so `ferry --help`
 * never loads fastify or LevelDB). To wire a command, add one line here, keyed by its name in
 * core/src/cli/commands.ts, e.g.
 *
 *   relay: async () => (await import('@ferry/relay/cli')).runRelay,
 *
 * A command without a line here exits with FERRY_NOT_AVAILABLE; test/cli.test.ts checks that
 * every key names a real command.
 */
const relayCli = () => import('@ferry/relay/cli');

export const runners: Readonly<Record<string, () => Promise<Runner>>> = {
  relay: async () => (await relayCli()).runRelay,
  'user add': async () => (await relayCli()).runUserAdd,
  login: async () => (await relayCli()).runLogin,
  pair: async () => (await relayCli()).runPair,
  'devices list': async () => (await relayCli()).runDevicesList,
  'devices rename': async () => (await relayCli()).runDevicesRename,
  'devices unbind': async () => (await relayCli()).runDevicesUnbind,
  'account add': async () => (await relayCli()).runAccountAdd,
  'account update': async () => (await relayCli()).runAccountUpdate,
  'account connect': async () => (await relayCli()).runAccountConnect,
  'account reconnect': async () => (await relayCli()).runAccountReconnect,
  'account list': async () => (await relayCli()).runAccountList,
  'account remove': async () => (await relayCli()).runAccountRemove,
  'container add': async () => (await relayCli()).runContainerAdd,
  'container list': async () => (await relayCli()).runContainerList,
  'container remove': async () => (await relayCli()).runContainerRemove,
  crawl: async () => (await relayCli()).runCrawl,
  status: async () => (await relayCli()).runStatus,
  device: async () => (await import('@ferry/device')).runDevice,
  up: async () => (await import('./up.js')).runUp,
};
