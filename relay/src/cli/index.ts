/** The relay's command runners, wired into bin/commands.ts. */
export {
  runAccountAdd,
  runAccountList,
  runAccountRemove,
  runAccountUpdate,
  runContainerAdd,
  runContainerList,
  runContainerRemove,
  runCrawl,
  runDevicesList,
  runDevicesRename,
  runDevicesUnbind,
  runLogin,
  runPair,
  runStatus,
} from './client-commands.js';
export { runAccountConnect, runAccountReconnect } from './oauth-commands.js';
export { type RelayRuntime, relayRunner } from './relay-command.js';
export { relayRuntime, runRelay } from './relay-runtime.js';
export { runUserAdd } from './user-add.js';
