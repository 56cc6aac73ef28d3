import { checkGroupSize, checkName, FerryError } from '@ferry/core';
import type { FastifyInstance } from 'fastify';
import type { ContainerRecord } from '../records.js';
import { accountKey } from './accounts.js';
import type { RouteContext } from './context.js';
import { requireUser } from './guard.js';
import { nameParams, nameSchema, objectSchema } from './schemas.js';

/** Shorter crawl intervals would hammer a provider (the crawler refuses them too). */
export const MIN_CRAWL_INTERVAL_MS = 60 * 1000;
const MAX_CRAWL_INTERVAL_MS = 365 * 24 * 3600 * 1000;

const addBody = objectSchema(
  {
    name: nameSchema,
    account: nameSchema,
    folder: { type: 'string', maxLength: 4096 },
    device: nameSchema,
    groupSize: { type: 'integer', minimum: 1 },
    crawlIntervalMs: { type: 'integer', minimum: 1 },
  },
  ['name', 'account', 'device'],
);

function view(container: ContainerRecord) {
  return {
    name: container.name,
    account: container.account,
    folder: container.folder,
    device: container.device,
    groupSize: container.groupSize,
    crawlIntervalMs: container.crawlIntervalMs,
    createdAt: container.createdAt,
  };
}

/**
 * Containers: names are global on a relay (they are document names), so a name another user has,
 * or once had, is refused with CONFLICT. A user's own removed container name can be reused: its
 * documents are still theirs.
 */
export function containerRoutes(ctx: RouteContext) {
  return async (app: FastifyInstance) => {
    const owned = async (user: string, name: string): Promise<ContainerRecord> => {
      const container = await ctx.tables.containers.get(name);
      // Another user's container reads as missing, like one that does not exist.
      if (!container || container.user !== user) throw new FerryError('NOT_FOUND', `no container '${name}'`);
      return container;
    };

    app.get('/api/containers', async (request) => {
      const user = await requireUser(ctx.auth, request);
      const all = await ctx.tables.containers.values();
      return { containers: all.filter((container) => container.user === user).map(view) };
    });

    app.post('/api/containers', { schema: { body: addBody } }, async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      const body = request.body as {
        name: string;
        account: string;
        folder?: string;
        device: string;
        groupSize?: number;
        crawlIntervalMs?: number;
      };
      const name = checkName('container', body.name);
      const folder = normalizeFolder(body.folder ?? '');
      const groupSize = checkGroupSize(body.groupSize ?? ctx.defaults.groupSize);
      const crawlIntervalMs = checkInterval(body.crawlIntervalMs ?? ctx.defaults.crawlIntervalMs);
      const record = await ctx.auth.serial(async () => {
        if (!(await ctx.tables.accounts.get(accountKey(user, body.account))))
          throw new FerryError('NOT_FOUND', `no account '${body.account}'`, 'see ferry account list');
        const device = await ctx.tables.devices.get(body.device);
        if (!device || device.user !== user)
          throw new FerryError('NOT_FOUND', `no device '${body.device}'`, 'bind one with ferry pair');
        const taken = await ctx.tables.containers.get(name);
        const removed = await ctx.removedContainers.get(name);
        if (taken || (removed && removed.user !== user))
          throw new FerryError(
            'CONFLICT',
            `container name '${name}' is taken on this relay`,
            'choose another name',
          );
        const created: ContainerRecord = {
          name,
          user,
          account: body.account,
          folder,
          device: body.device,
          groupSize,
          crawlIntervalMs,
          createdAt: ctx.clock(),
        };
        await ctx.tables.containers.put(name, created);
        ctx.changes.notify(user);
        if (removed) await ctx.removedContainers.del(name);
        return created;
      });
      if (ctx.crawler) {
        ctx.crawler.schedule({ name, crawlIntervalMs });
        // Not awaited: the first crawl of a big account takes long; status shows how it went.
        ctx.crawler
          .crawlNow(name)
          .catch((error) =>
            request.log.warn({ container: name, code: (error as FerryError).code }, 'first crawl failed'),
          );
      }
      return reply.status(201).send(view(record));
    });

    app.delete('/api/containers/:name', { schema: { params: nameParams } }, async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      const { name } = request.params as { name: string };
      await ctx.auth.serial(async () => {
        await owned(user, name);
        ctx.crawler?.unschedule(name);
        await ctx.removedContainers.put(name, { user, removedAt: ctx.clock() });
        await ctx.tables.containers.del(name);
        ctx.changes.notify(user);
      });
      return reply.status(204).send();
    });

    app.post('/api/containers/:name/crawl', { schema: { params: nameParams } }, async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      const { name } = request.params as { name: string };
      await owned(user, name);
      if (!ctx.crawler) throw new FerryError('NOT_AVAILABLE', 'this relay runs without a crawler');
      ctx.crawler
        .crawlNow(name)
        .catch((error) =>
          request.log.warn({ container: name, code: (error as FerryError).code }, 'crawl failed'),
        );
      return reply.status(202).send({ container: name, crawl: 'started' });
    });
  };
}

/** '/Photos/2024/' → 'Photos/2024': a plain relative provider path, '' for the account's root. */
export function normalizeFolder(raw: string): string {
  const folder = raw.replace(/^\/+|\/+$/g, '');
  if (folder === '') return '';
  for (const segment of folder.split('/'))
    if (
      segment === '' ||
      segment === '.' ||
      segment === '..' ||
      segment.includes('\0') ||
      segment.includes('\\')
    )
      throw new FerryError(
        'BAD_INPUT',
        `folder '${raw.replaceAll('\0', '\\0')}' is not a plain path`,
        "use '/'-separated names, without '.', '..' or empty parts",
      );
  return folder;
}

function checkInterval(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < MIN_CRAWL_INTERVAL_MS || ms > MAX_CRAWL_INTERVAL_MS)
    throw new FerryError(
      'BAD_INPUT',
      `crawl interval must be from 1 minute to 365 days, got ${ms} ms`,
      'e.g. --crawl-interval 24h',
    );
  return ms;
}
