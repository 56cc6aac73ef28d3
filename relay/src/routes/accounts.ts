import {
  checkName,
  checkProviderOptions,
  FerryError,
  isFerryError,
  oauthClientOfRemote,
  type Provider,
  type ProviderOptions,
} from '@ferry/core';
import type { FastifyInstance } from 'fastify';
import type { AccountRecord } from '../records.js';
import { decryptJson, encryptJson } from '../secrets.js';
import type { RouteContext } from './context.js';
import { requireUser } from './guard.js';
import { nameParams, nameSchema, objectSchema } from './schemas.js';

export const accountKey = (user: string, name: string): string => `${user}/${name}`;

const optionValue = {
  // 16 KiB: a PEM private key or an rclone remote with its OAuth token fits.
  anyOf: [{ type: 'string', maxLength: 16_384 }, { type: 'number' }, { type: 'boolean' }],
} as const;
const addBody = objectSchema(
  {
    name: nameSchema,
    provider: { type: 'string', minLength: 1, maxLength: 64 },
    options: { type: 'object', additionalProperties: optionValue, maxProperties: 64 },
  },
  ['name', 'provider'],
);

/** An update's option value: as for a new account, or null to drop a saved option. */
const optionUpdate = { anyOf: [...optionValue.anyOf, { type: 'null' }] } as const;
const updateBody = objectSchema(
  { options: { type: 'object', additionalProperties: optionUpdate, minProperties: 1, maxProperties: 64 } },
  ['options'],
);

/** What the API shows of an account: never its options. */
function view(account: AccountRecord) {
  return {
    name: account.name,
    provider: account.provider,
    createdAt: account.createdAt,
    ...(account.needsAttention ? { needsAttention: account.needsAttention } : {}),
    ...(account.oauth ? { oauth: account.oauth } : {}),
  };
}

/**
 * Accounts belong to one user; names are per user (two users may both have 'dropbox'). Options
 * are checked by the provider's schema, then tried with one listing, then stored encrypted.
 */
export function accountRoutes(ctx: RouteContext) {
  return async (app: FastifyInstance) => {
    app.get('/api/providers', async (request) => {
      await requireUser(ctx.auth, request);
      return {
        providers: ctx.providers.list().map((factory) => ({
          name: factory.name,
          description: factory.description,
          options: factory.options,
        })),
      };
    });

    app.get('/api/accounts', async (request) => {
      const user = await requireUser(ctx.auth, request);
      return { accounts: (await ctx.tables.accounts.valuesWithPrefix(`${user}/`)).map(view) };
    });

    app.post('/api/accounts', { schema: { body: addBody } }, async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      const body = request.body as { name: string; provider: string; options?: Record<string, unknown> };
      const record = await addAccount(ctx, user, body.name, body.provider, body.options ?? {});
      return reply.status(201).send(view(record));
    });

    /**
     * New options in place (updateAccount). Containers keep using the account: devices pick the
     * new options up on their next container list, the crawler on its next crawl.
     */
    app.patch(
      '/api/accounts/:name',
      { schema: { params: nameParams, body: updateBody } },
      async (request) => {
        const user = await requireUser(ctx.auth, request);
        const { name } = request.params as { name: string };
        const given = (request.body as { options: Record<string, unknown> }).options;
        return view(await updateAccount(ctx, user, name, given));
      },
    );

    app.delete('/api/accounts/:name', { schema: { params: nameParams } }, async (request, reply) => {
      const user = await requireUser(ctx.auth, request);
      const { name } = request.params as { name: string };
      await ctx.auth.serial(async () => {
        if (!(await ctx.tables.accounts.get(accountKey(user, name))))
          throw new FerryError('NOT_FOUND', `no account '${name}'`);
        const users = (await ctx.tables.containers.values())
          .filter((container) => container.user === user && container.account === name)
          .map((container) => container.name);
        if (users.length > 0)
          throw new FerryError(
            'CONFLICT',
            `account '${name}' is used by container ${users.join(', ')}`,
            'remove those containers first (ferry container remove NAME)',
          );
        await ctx.tables.accounts.del(accountKey(user, name));
        ctx.changes.notify(user);
      });
      return reply.status(204).send();
    });
  };
}

/**
 * A new account: the name and the provider's schema checked, then one listing with the options,
 * then stored encrypted. The add route and the OAuth callback both come here.
 */
export async function addAccount(
  ctx: RouteContext,
  user: string,
  givenName: string,
  provider: string,
  given: Record<string, unknown>,
): Promise<AccountRecord> {
  const name = checkName('account', givenName);
  const factory = ctx.providers.get(provider);
  if (!factory)
    throw new FerryError(
      'UNKNOWN_PROVIDER',
      `no provider '${provider}' on this relay`,
      `known: ${ctx.providers
        .list()
        .map((f) => f.name)
        .join(', ')}`,
    );
  const options = checkProviderOptions(factory, given);
  if (await ctx.tables.accounts.get(accountKey(user, name)))
    throw new FerryError('CONFLICT', `you already have an account '${name}'`);
  const learned = await tryListing(factory.name, () => factory.create(options), ctx.accountCheckTimeoutMs);
  const record: AccountRecord = {
    name,
    user,
    provider: factory.name,
    options: encryptJson(ctx.secretKey, { ...options, ...learned }),
    createdAt: ctx.clock(),
    ...oauthOf(factory.name, options),
  };
  await ctx.auth.serial(async () => {
    if (await ctx.tables.accounts.get(accountKey(user, name)))
      throw new FerryError('CONFLICT', `you already have an account '${name}'`);
    await ctx.tables.accounts.put(accountKey(user, name), record);
  });
  return record;
}

/**
 * The OAuth cloud and app of an rclone account whose remote names an app of its own (connected
 * with the relay's sign-in, or pasted): what "Reconnect" signs in with. Undefined for any other.
 */
export function oauthClientOf(provider: string, options: Readonly<Record<string, unknown>>) {
  const remote = options.remoteConfig;
  return provider === 'rclone' && typeof remote === 'string' ? oauthClientOfRemote(remote) : undefined;
}

/** `{oauth: cloud}` for the record when the account has an OAuth app (see AccountRecord.oauth). */
function oauthOf(provider: string, options: ProviderOptions): Pick<AccountRecord, 'oauth'> {
  const found = oauthClientOf(provider, options);
  return found ? { oauth: found.cloud.id } : {};
}

/** A saved account and its options in the clear, or NOT_FOUND. */
export async function readAccount(
  ctx: RouteContext,
  user: string,
  name: string,
): Promise<{ record: AccountRecord; options: Record<string, unknown> }> {
  const record = await ctx.tables.accounts.get(accountKey(user, name));
  if (!record) throw new FerryError('NOT_FOUND', `no account '${name}'`);
  return { record, options: decryptJson<Record<string, unknown>>(ctx.secretKey, record.options) };
}

/**
 * New credentials or settings for an account in place ("reconnect"): the options given replace
 * the saved ones of the same key (null drops one), the others stay. The result is checked by the
 * provider's schema and one listing like a new account; only then saved, "needs attention"
 * cleared and the OAuth mark derived again.
 */
export async function updateAccount(
  ctx: RouteContext,
  user: string,
  name: string,
  given: Record<string, unknown>,
): Promise<AccountRecord> {
  const { record, options: merged } = await readAccount(ctx, user, name);
  const factory = ctx.providers.get(record.provider);
  if (!factory)
    throw new FerryError('UNKNOWN_PROVIDER', `no provider '${record.provider}' on this relay any more`);
  for (const [key, value] of Object.entries(given)) {
    // null drops a saved option: a password replaced by a key, a host key pin to learn again.
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const options = checkProviderOptions(factory, merged);
  const learned = await tryListing(factory.name, () => factory.create(options), ctx.accountCheckTimeoutMs);
  return ctx.auth.serial(async () => {
    const current = await ctx.tables.accounts.get(accountKey(user, name));
    if (!current || current.createdAt !== record.createdAt)
      throw new FerryError(
        'CONFLICT',
        `account '${name}' changed while its options were checked`,
        'try again',
      );
    // The OAuth mark follows the new options: a remote pasted over a connected one may name no app.
    const { needsAttention: _fixed, oauth: _before, ...rest } = current;
    const updated: AccountRecord = {
      ...rest,
      options: encryptJson(ctx.secretKey, { ...options, ...learned }),
      ...oauthOf(factory.name, options),
    };
    await ctx.tables.accounts.put(accountKey(user, name), updated);
    ctx.changes.notify(user);
    return updated;
  });
}

/**
 * One listing call proves the options work: the first entry, or the end of an empty listing,
 * within `timeoutMs`. The provider's own error (auth, not found, ...) is reported as bad options,
 * so a 401 from this API always means the relay login, never the cloud's. Answers what the
 * provider learned on the way (a host key to pin).
 */
async function tryListing(
  provider: string,
  create: () => Provider,
  timeoutMs: number,
): Promise<ProviderOptions> {
  const controller = new AbortController();
  let instance: Provider | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new FerryError(
          'BAD_PROVIDER_OPTIONS',
          `provider '${provider}' did not answer a listing within ${Math.round(timeoutMs / 1000)} s`,
          'check the address and that the service is reachable from the relay',
        ),
      );
    }, timeoutMs);
  });
  const listOnce = async () => {
    instance = create();
    for await (const _entry of instance.list('', { signal: controller.signal })) break;
  };
  try {
    await Promise.race([listOnce(), timeout]);
    return instance?.learnedOptions?.() ?? {};
  } catch (error) {
    if (isFerryError(error, 'BAD_PROVIDER_OPTIONS')) throw error;
    const detail = isFerryError(error) ? `${error.id}: ${error.message}` : 'the listing failed';
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `provider '${provider}' refused a test listing with these options (${detail})`,
      'check the options; nothing was saved',
    );
  } finally {
    clearTimeout(timer);
    controller.abort();
    await instance?.close?.().catch(() => undefined);
  }
}
