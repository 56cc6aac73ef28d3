import { FerryError } from '../errors.js';
import type { Provider, ProviderFactory } from '../provider.js';
import { checkProviderOptions } from '../provider-options.js';
import { azureBlobProviderFactory } from './azureblob/index.js';
import { localProviderFactory } from './local/index.js';
import { memoryProviderFactory } from './memory/index.js';
import { rcloneProviderFactory } from './rclone/index.js';
import { s3ProviderFactory } from './s3/index.js';
import { sftpProviderFactory } from './sftp/index.js';
import { webdavProviderFactory } from './webdav/index.js';

export * from './azureblob/index.js';
export { type FolderPage, type FolderWalkOptions, walkFolders } from './folder-walk.js';
export * from './local/index.js';
export * from './memory/index.js';
export { Pacer, type PacerClock, type PacerOptions, pacerFromOptions, pacerOptionSpecs } from './pacer.js';
export { checkReadRange, joinProviderPath, providerPathSegments } from './provider-path.js';
export * from './rclone/index.js';
export * from './s3/index.js';
export * from './sftp/index.js';
export * from './webdav/index.js';

/** Every provider built into Ferry. A new provider: a folder under providers/, one line here. */
export const providerFactories: readonly ProviderFactory[] = [
  memoryProviderFactory,
  localProviderFactory,
  s3ProviderFactory,
  azureBlobProviderFactory,
  sftpProviderFactory,
  webdavProviderFactory,
  rcloneProviderFactory,
];

export function getProviderFactory(name: string): ProviderFactory {
  const factory = providerFactories.find((candidate) => candidate.name === name);
  if (factory === undefined)
    throw new FerryError(
      'UNKNOWN_PROVIDER',
      `no provider named '${name}' (known: ${providerFactories.map((known) => known.name).join(', ')})`,
    );
  return factory;
}

/** Checks the raw account options against the provider's schema, then creates the provider. */
export function createProvider(name: string, rawOptions: Record<string, unknown>): Provider {
  const factory = getProviderFactory(name);
  return factory.create(checkProviderOptions(factory, rawOptions));
}
