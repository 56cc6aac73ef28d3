import { checkProviderOptions, FerryError, isFerryError, type Provider } from '@ferry/core';
import type { FastifyInstance } from 'fastify';
import { decryptJson } from '../secrets.js';
import { accountKey } from './accounts.js';
import { normalizeFolder } from './containers.js';
import type { RouteContext } from './context.js';
import { requireUser } from './guard.js';
import { nameSchema, objectSchema } from './schemas.js';

/** How much of a subtree one browse reads at most: the provider lists whole subtrees. */
export const BROWSE_LIMITS = { entries: 5_000, ms: 5_000, folders: 500 };

const params = objectSchema({ name: nameSchema }, ['name']);
const query = objectSchema({ path: { type: 'string', maxLength: 4096 } });

export interface FolderListing {
  /** The folder listed, normalized ('' for the account's root). */
  path: string;
  /** Names of its direct subfolders, sorted. */
  folders: string[];
  /** True when the listing stopped early (entries, time or folder count): more may exist. */
  truncated: boolean;
}

/**
 * `GET /api/accounts/:name/folders?path=<folder>`: the direct subfolders of a folder of one of
 * the user's own accounts, for the panel's folder picker. Read from the provider's streamed
 * listing of the subtree, stopped after BROWSE_LIMITS (then `truncated`).
 */
export function folderRoutes(ctx: RouteContext, limits = BROWSE_LIMITS) {
  return async (app: FastifyInstance) => {
    app.get('/api/accounts/:name/folders', { schema: { params, querystring: query } }, async (request) => {
      const user = await requireUser(ctx.auth, request);
      const { name } = request.params as { name: string };
      const path = normalizeFolder((request.query as { path?: string }).path ?? '');
      const account = await ctx.tables.accounts.get(accountKey(user, name));
      if (!account) throw new FerryError('NOT_FOUND', `no account '${name}'`);
      const factory = ctx.providers.get(account.provider);
      if (!factory)
        throw new FerryError('UNKNOWN_PROVIDER', `provider '${account.provider}' is not built in`);
      const options = checkProviderOptions(factory, decryptJson(ctx.secretKey, account.options));
      const provider = factory.create(options);
      try {
        return await listFolders(provider, path, limits);
      } catch (error) {
        throw browseError(error, name, path);
      } finally {
        await provider.close?.().catch(() => undefined);
      }
    });
  };
}

/** Direct subfolders of `path` from the first entries of its subtree (object stores: implied by deeper paths). */
export async function listFolders(
  provider: Provider,
  path: string,
  limits: typeof BROWSE_LIMITS,
): Promise<FolderListing> {
  const folders = new Set<string>();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<'time'>((resolve) => {
    timer = setTimeout(() => resolve('time'), limits.ms);
  });
  const iterator = provider.list(path, { signal: controller.signal })[Symbol.asyncIterator]();
  let truncated = false;
  let read = 0;
  try {
    while (true) {
      // A provider that ignores the signal still cannot hold the request past the time limit.
      const next = await Promise.race([iterator.next(), timeUp]);
      if (next === 'time') {
        truncated = true;
        break;
      }
      if (next.done) break;
      const entry = next.value;
      const slash = entry.path.indexOf('/');
      if (slash > 0) folders.add(entry.path.slice(0, slash));
      else if (entry.isDir) folders.add(entry.path);
      if (++read >= limits.entries || folders.size >= limits.folders) {
        truncated = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    controller.abort();
    // Not awaited: a provider stuck in its first request must not hold the answer.
    iterator.return?.().catch(() => undefined);
  }
  return { path, folders: [...folders].sort((a, b) => a.localeCompare(b)), truncated };
}

/** A provider refusal as the panel should read it: never a 401 (that means the relay login). */
function browseError(error: unknown, account: string, path: string): unknown {
  if (isFerryError(error, 'NOT_FOUND'))
    return new FerryError(
      'NOT_FOUND',
      `no folder '${path}' in account '${account}'`,
      'pick a folder the account has',
    );
  if (isFerryError(error, 'AUTH') || isFerryError(error, 'PERMISSION'))
    return new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `account '${account}' was refused by its provider (${error.id}: ${error.message})`,
      'the account needs attention: remove it and add it again with working options',
    );
  return error;
}
