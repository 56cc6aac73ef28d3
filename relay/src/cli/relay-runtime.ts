import type { Runner } from '@ferry/core';
import type { FastifyBaseLogger } from 'fastify';
import { LevelDocStore } from '../sync/doc-store.js';
import { syncRoutes } from '../sync/ws-sync.js';
import { type RelayRuntime, relayRunner } from './relay-command.js';

/**
 * The production runtime of the relay: documents in the `docs` sublevel of its LevelDB, the
 * websocket sync endpoint. The store logs through the app's pino logger once the app exists.
 */
export function relayRuntime(): RelayRuntime {
  let log: FastifyBaseLogger | undefined;
  return {
    openDocStore: (db) =>
      LevelDocStore.open(db, {
        logger: {
          warn: (fields, message) => {
            if (log) log.warn(fields, message);
            else process.stderr.write(`${JSON.stringify({ level: 'warn', ...fields, msg: message })}\n`);
          },
        },
      }),
    sync: async (app, deps) => {
      log = app.log;
      await syncRoutes(app, deps);
    },
  };
}

/** `ferry relay`. */
export const runRelay: Runner = (parsed, io) => relayRunner(relayRuntime())(parsed, io);
