import { randomBytes } from 'node:crypto';
import { DEFAULT_GROUP_SIZE, type ProviderFactory } from '@ferry/core';
import { providerFactories } from '@ferry/core/providers';
import Fastify, { type FastifyInstance } from 'fastify';
import { Auth, type AuthLimits } from './auth/auth.js';
import type { ScryptParams } from './auth/passwords.js';
import { apiTables, type RelayDb, Table } from './db.js';
import { type AccessLookups, accessLookups } from './lookups.js';
import type { Principal } from './records.js';
import { accountRoutes } from './routes/accounts.js';
import { ContainerChanges } from './routes/container-changes.js';
import { containerRoutes } from './routes/containers.js';
import {
  type CrawlerPort,
  type DocReader,
  type ProviderRegistry,
  type RemovedContainer,
  type RouteContext,
  registryOf,
} from './routes/context.js';
import { deviceRoutes } from './routes/devices.js';
import { installErrorHandling } from './routes/errors.js';
import { folderRoutes } from './routes/folders.js';
import { oauthRoutes } from './routes/oauth.js';
import { panelRoutes } from './routes/panel.js';
import { sessionRoutes } from './routes/session.js';
import { statusRoutes } from './routes/status.js';

export const DEFAULT_CRAWL_INTERVAL_MS = 24 * 3600 * 1000;

export interface LogOptions {
  level?: string;
  /** Where pino writes (default stdout); tests pass a stream to read the lines. */
  stream?: { write(line: string): unknown };
}

export interface BuildAppOptions {
  db: RelayDb;
  docStore: DocReader;
  crawler?: CrawlerPort;
  /** false (the default) for silence; the relay's pino settings always redact secrets. */
  logger?: false | LogOptions;
  clock?: () => number;
  /** 32 bytes for AES-256-GCM (secrets.ts loadSecretKey); a random one for this process if absent. */
  secretKey?: Buffer;
  /** Default: every provider built into Ferry (core's registry). */
  providers?: ProviderRegistry | readonly ProviderFactory[];
  defaults?: { groupSize?: number; crawlIntervalMs?: number };
  accountCheckTimeoutMs?: number;
  /** Longest a device's container-list request waits for a change (default 25 s). */
  containerWaitMs?: number;
  /** Who wakes waiting devices (tests pass one to watch it); a new one when absent. */
  containerChanges?: ContainerChanges;
  /** Test speed: cheaper scrypt parameters. Production keeps the default. */
  scrypt?: ScryptParams;
  authLimits?: AuthLimits;
  isOnline?: (device: string) => boolean;
  /** Registers the websocket sync endpoint (R-sync's syncRoutes) with the app's auth and lookups. */
  sync?: (app: FastifyInstance, deps: SyncDeps) => Promise<void>;
  /** Serve https (and wss) with this PEM key and certificate. */
  https?: { key: Buffer; cert: Buffer };
  /**
   * Reverse proxies whose X-Forwarded-For/-Proto to believe (addresses or CIDRs): the client's
   * address for the per-address login limits, https for the session cookie's Secure flag.
   */
  trustProxy?: string[];
}

/** What the sync endpoint gets from the app: token → principal, and record look-ups for rights. */
export interface SyncDeps {
  authenticate: (token: string) => Promise<Principal | null>;
  lookups: AccessLookups;
  /** The relay's document store (BuildAppOptions.docStore). */
  docs: DocReader;
  /** The sync layer reports live connections; used for status unless `isOnline` was given. */
  setOnline: (isOnline: (device: string) => boolean) => void;
}

/** Paths and headers that may carry a secret: pino replaces them by [Redacted]. */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.options',
  '*.secret',
];

/**
 * Drops the query string's secrets: the websocket's token, and the OAuth callback's code and state
 * (good once, but a log must not be the place to learn them).
 */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|code|state)=)[^&#]*/gi, '$1[Redacted]');
}

function loggerConfig(options: LogOptions) {
  return {
    level: options.level ?? 'info',
    ...(options.stream ? { stream: options.stream } : {}),
    redact: { paths: REDACT, censor: '[Redacted]' },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; socket?: { remoteAddress?: string } }) => ({
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
    },
  };
}

/**
 * Every API route gets a closed schema: a route that declares no query takes none, and a POST or
 * DELETE that declares no body takes none (an empty JSON object at most). Websocket routes are
 * left alone: their token may come in the query.
 */
function closeEverySchema(app: FastifyInstance): void {
  const closed = { type: 'object', properties: {}, additionalProperties: false } as const;

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    const schema = { ...(route.schema ?? {}) };
    schema.querystring ??= closed;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((method) => method !== 'GET' && method !== 'HEAD')) schema.body ??= closed;
    route.schema = schema;
  });
  // A request without a body reads as `{}`, so "no body" passes a closed body schema.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined) request.body = {};
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Users, sessions and device tokens of this relay: `app.ferryAuth.authenticate(token)`. */
    ferryAuth: Auth;
  }
}

function toRegistry(providers: ProviderRegistry | readonly ProviderFactory[]): ProviderRegistry {
  return 'list' in providers ? providers : registryOf(providers);
}

/** The relay's HTTP app without listen(): tests drive it with inject(), server.ts listens. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? Date.now;
  const tables = apiTables(options.db.level);
  const auth = new Auth({ tables, clock, scrypt: options.scrypt, limits: options.authLimits });
  const app = Fastify({
    ...(options.https ? { https: options.https } : {}),
    ...(options.trustProxy && options.trustProxy.length > 0 ? { trustProxy: options.trustProxy } : {}),
    logger: options.logger ? loggerConfig(options.logger) : false,
    bodyLimit: 64 * 1024,
    // A close ends every connection, a device's held container-list request included.
    forceCloseConnections: true,
    // Closed schemas must refuse unknown fields, not strip them; and no silent type coercion.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
  });
  app.decorate('ferryAuth', auth);
  installErrorHandling(app);
  closeEverySchema(app);
  const ctx: RouteContext = {
    auth,
    tables,
    removedContainers: new Table<RemovedContainer>(options.db.level, 'removed-containers'),
    docs: options.docStore,
    crawler: options.crawler,
    providers: toRegistry(options.providers ?? providerFactories),
    // Without a key (tests) accounts live only as long as this process; startRelay passes the
    // data folder's key.
    secretKey: options.secretKey ?? randomBytes(32),
    clock,
    defaults: {
      groupSize: options.defaults?.groupSize ?? DEFAULT_GROUP_SIZE,
      crawlIntervalMs: options.defaults?.crawlIntervalMs ?? DEFAULT_CRAWL_INTERVAL_MS,
    },
    accountCheckTimeoutMs: options.accountCheckTimeoutMs ?? 15_000,
    isOnline: options.isOnline,
    changes: options.containerChanges ?? new ContainerChanges(),
    containerWaitMs: options.containerWaitMs ?? 25_000,
  };
  // Waiting devices are answered before the server closes, so a close never waits out a wait.
  app.addHook('preClose', async () => ctx.changes.releaseAll());
  await app.register(sessionRoutes(ctx));
  await app.register(deviceRoutes(ctx));
  await app.register(accountRoutes(ctx));
  await app.register(folderRoutes(ctx));
  await app.register(oauthRoutes(ctx));
  await app.register(containerRoutes(ctx));
  await app.register(statusRoutes(ctx));
  await app.register(panelRoutes());
  if (options.sync)
    await options.sync(app, {
      authenticate: (token) => auth.authenticate(token),
      lookups: accessLookups(tables),
      docs: options.docStore,
      setOnline: (isOnline) => {
        ctx.isOnline ??= isOnline;
      },
    });
  return app;
}
