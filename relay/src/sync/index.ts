/** Document store and websocket sync of the relay (docs/relay.md, "Document rights"). */
export {
  authorizeDoc,
  CLOSE_BAD_NAME,
  CLOSE_FORBIDDEN,
  CLOSE_UNAUTHENTICATED,
  type DocAccess,
  type WriteRight,
} from './access.js';
export {
  DOCS_SUBLEVEL,
  type DocHandle,
  type DocStoreLogger,
  LevelDocStore,
  type LevelDocStoreOptions,
} from './doc-store.js';
export { checkUpdate, type UpdateVerdict } from './update-rights.js';
export {
  CLOSE_TOO_BIG,
  createSyncRoutes,
  SYNC_MAX_MESSAGE_BYTES,
  type SyncDocs,
  type SyncOptions,
  syncRoutes,
} from './ws-sync.js';
