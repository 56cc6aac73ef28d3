import { providerFactories } from '@ferry/core/providers';
import type { FastifyInstance } from 'fastify';
import type * as Y from 'yjs';
import { type BuildAppOptions, buildApp, type LogOptions } from './app.js';
import type { Auth } from './auth/auth.js';
import { crawlTargetResolver } from './crawl-targets.js';
import { Crawler } from './crawler/scheduler.js';
import { apiTables, openRelayDb, type RelayDb } from './db.js';
import { registryOf } from './routes/context.js';
import { loadSecretKey } from './secrets.js';
import { loadTls } from './tls.js';

/** The document store the relay runs on (R-sync's DocStore has this shape). */
export interface RelayDocStore {
  get(name: string): Promise<Y.Doc>;
  has?(name: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface StartRelayOptions {
  dataDir: string;
  host: string;
  port: number;
  crawlIntervalMs: number;
  groupSize: number;
  logger?: false | LogOptions;
  /** Opens the document store on the relay's LevelDB. */
  openDocStore: (db: RelayDb) => Promise<RelayDocStore> | RelayDocStore;
  /** Registers the websocket sync endpoint (R-sync's syncRoutes). */
  sync?: BuildAppOptions['sync'];
  maxConcurrentCrawls?: number;
  env?: NodeJS.ProcessEnv;
  /** Serve https and wss with these PEM files (tls.ts loadTls checks them first). */
  tls?: { certFile: string; keyFile: string };
  /** Reverse proxies to believe X-Forwarded-* from (tls.ts parseTrustProxy). */
  trustProxy?: string[];
}

export interface RunningRelay {
  app: FastifyInstance;
  auth: Auth;
  /** `http(s)://host:port` as actually bound (port 0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/**
 * Opens the data folder (LevelDB, secret key, documents), starts the crawler with every stored
 * container scheduled, and listens. close() stops in reverse order.
 */
export async function startRelay(options: StartRelayOptions): Promise<RunningRelay> {
  // Checked before anything is opened: a bad certificate changes nothing.
  const https = options.tls ? await loadTls(options.tls.certFile, options.tls.keyFile) : undefined;
  const db = await openRelayDb(options.dataDir);
  const closers: (() => Promise<void>)[] = [() => db.close()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const secretKey = await loadSecretKey(options.dataDir, options.env);
    const docStore = await options.openDocStore(db);
    closers.push(() => docStore.close());
    const providers = registryOf(providerFactories);
    const tables = apiTables(db.level);
    let app: FastifyInstance | undefined;
    const crawler = new Crawler({
      docs: docStore,
      resolve: crawlTargetResolver(tables, providers, secretKey),
      defaultIntervalMs: options.crawlIntervalMs,
      maxConcurrent: options.maxConcurrentCrawls,
      logger: {
        info: (fields, message) => app?.log.info(fields, message),
        warn: (fields, message) => app?.log.warn(fields, message),
      },
    });
    closers.push(() => crawler.close());
    const built = await buildApp({
      db,
      docStore,
      crawler,
      secretKey,
      providers,
      logger: options.logger,
      defaults: { groupSize: options.groupSize, crawlIntervalMs: options.crawlIntervalMs },
      sync: options.sync,
      https,
      trustProxy: options.trustProxy,
    });
    app = built;
    closers.push(() => built.close());
    for (const container of await tables.containers.values())
      crawler.schedule({ name: container.name, crawlIntervalMs: container.crawlIntervalMs });
    const address = await built.listen({ host: options.host, port: options.port });
    return { app: built, auth: built.ferryAuth, url: address, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
