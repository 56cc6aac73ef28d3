import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import { pacerOptionSpecs } from '../pacer.js';
import { AZUREBLOB_PACING, AzureBlobProvider, type AzureBlobProviderInit } from './azure-provider.js';

export { mapAzureError } from './azure-errors.js';
export {
  AZUREBLOB_PACING,
  AzureBlobProvider,
  type AzureBlobProviderInit,
  blobMtime,
  md5Hex,
} from './azure-provider.js';

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * `ferry account add --provider azureblob --set account=… --set accountKey=… --set container=…`:
 * an Azure Blob Storage container (or a prefix of it). Credentials: accountKey, sasToken or a
 * connectionString; none at all reads a public container anonymously.
 */
export const azureBlobProviderFactory: ProviderFactory = {
  name: 'azureblob',
  description: 'an Azure Blob Storage container (md5 from Content-MD5)',
  options: [
    { key: 'container', type: 'string', required: true, help: 'container name' },
    {
      key: 'prefix',
      type: 'string',
      required: false,
      help: "blob name prefix that is the account's root (default: the whole container)",
    },
    { key: 'account', type: 'string', required: false, help: 'storage account name' },
    { key: 'accountKey', type: 'secret', required: false, help: 'storage account key (base64)' },
    { key: 'sasToken', type: 'secret', required: false, help: 'SAS token with list and read rights' },
    {
      key: 'connectionString',
      type: 'secret',
      required: false,
      help: 'full connection string (instead of account, accountKey, sasToken, endpoint)',
    },
    {
      key: 'endpoint',
      type: 'url',
      required: false,
      help: 'blob service URL (default https://<account>.blob.core.windows.net)',
    },
    ...pacerOptionSpecs(AZUREBLOB_PACING),
  ],
  create(options: ProviderOptions): AzureBlobProvider {
    const init: AzureBlobProviderInit = { container: text(options.container) ?? '' };
    for (const key of [
      'prefix',
      'account',
      'accountKey',
      'sasToken',
      'connectionString',
      'endpoint',
    ] as const) {
      const value = text(options[key]);
      if (value !== undefined) init[key] = value;
    }
    if (typeof options.maxConcurrency === 'number') init.maxConcurrency = options.maxConcurrency;
    if (typeof options.minIntervalMs === 'number') init.minIntervalMs = options.minIntervalMs;
    return new AzureBlobProvider(init);
  },
};
