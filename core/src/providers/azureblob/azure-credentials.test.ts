import { describe, expect, it } from 'vitest';
import { isFerryError } from '../../errors.js';
import { AzureBlobProvider } from './azure-provider.js';

const KEY = 'c2VjcmV0LWtleS1ieXRlcw==';

async function failure(work: () => Promise<unknown>): Promise<Error> {
  return work().then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error as Error,
  );
}

describe('azureblob credentials without the SDK loaded', () => {
  it('refuses a connection string without Key=value parts when the provider is made', () => {
    for (const connectionString of [`nonsense;AccountKey=${KEY}`, 'AccountName=a', `=x;AccountKey=${KEY}`])
      expect(() => new AzureBlobProvider({ container: 'c', connectionString })).toThrow(
        /connectionString cannot be read/,
      );
  });

  it('lets the SDK refuse the rest on first use, as BAD_PROVIDER_OPTIONS without the secret', async () => {
    // The shape passes (a SAS part), but a SAS connection string needs a BlobEndpoint.
    const provider = new AzureBlobProvider({
      container: 'c',
      connectionString: `SharedAccessSignature=${KEY}`,
    });
    const error = await failure(() => provider.stat('file'));
    expect(isFerryError(error, 'BAD_PROVIDER_OPTIONS')).toBe(true);
    expect(error.message).not.toContain(KEY);
    // A failed first use is not kept: the next call tries (and here fails) again the same way.
    expect(isFerryError(await failure(() => provider.stat('file')), 'BAD_PROVIDER_OPTIONS')).toBe(true);
  });
});
