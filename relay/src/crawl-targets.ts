import { checkProviderOptions, FerryError, type Provider } from '@ferry/core';
import type { ApiTables } from './db.js';
import type { ProviderRegistry } from './routes/context.js';
import { decryptJson } from './secrets.js';

/** What the crawler needs for one crawl (relay/src/crawler's CrawlTarget has this shape). */
export interface ResolvedTarget {
  provider: Provider;
  folder: string;
  groupSize: number;
  account: string;
  device: string;
  crawlIntervalMs: number;
}

/**
 * The crawler's `resolve`: reads the container and its account fresh for every crawl, decrypts
 * the options and creates the provider (so a removed container or a changed account is seen at
 * once). NOT_FOUND when the container or its account is gone.
 */
export function crawlTargetResolver(
  tables: ApiTables,
  providers: ProviderRegistry,
  secretKey: Buffer,
): (container: string) => Promise<ResolvedTarget> {
  return async (name) => {
    const container = await tables.containers.get(name);
    if (!container) throw new FerryError('NOT_FOUND', `no container '${name}'`);
    const account = await tables.accounts.get(`${container.user}/${container.account}`);
    if (!account) throw new FerryError('NOT_FOUND', `container '${name}' names a missing account`);
    const factory = providers.get(account.provider);
    if (!factory) throw new FerryError('UNKNOWN_PROVIDER', `provider '${account.provider}' is not built in`);
    const options = checkProviderOptions(factory, decryptJson(secretKey, account.options));
    return {
      provider: factory.create(options),
      folder: container.folder,
      groupSize: container.groupSize,
      account: container.account,
      device: container.device,
      crawlIntervalMs: container.crawlIntervalMs,
    };
  };
}
