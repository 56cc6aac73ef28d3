import {
  BlobServiceClient,
  type ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { checkProviderOptions, type Entry, isFerryError, redactOptions } from '@ferry/core';
import {
  AzureBlobProvider,
  type AzureBlobProviderInit,
  createProvider,
  getProviderFactory,
} from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeedFolder, runProviderConformance, type SeedFile, seedChunks } from '../conformance/index.js';
import {
  AZURITE_ACCOUNT,
  AZURITE_KEY,
  freePort,
  inParallel,
  type LoopbackServer,
  startAzurite,
  startBreakingProxy,
  startSilentServer,
} from './object-store-servers.js';

let serverPromise: Promise<LoopbackServer> | undefined;
const server = () => {
  serverPromise ??= startAzurite();
  return serverPromise;
};
afterAll(async () => {
  await (await serverPromise)?.stop();
});

const endpointOf = (port: number) => `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;

/** A plain SDK client for seeding: the backend itself, not the provider under test. */
function rawService(port: number): BlobServiceClient {
  return new BlobServiceClient(
    endpointOf(port),
    new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
  );
}

function providerFor(port: number, more: Partial<AzureBlobProviderInit>): AzureBlobProvider {
  return new AzureBlobProvider({
    container: 'x',
    account: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    endpoint: endpointOf(port),
    ...more,
  });
}

/**
 * Single-shot uploads (Put Blob, so the service keeps Content-MD5). A seeded mtime goes into
 * blob metadata `mtime`, as rclone writes it: Last-Modified cannot be set through the API.
 */
async function seed(container: ContainerClient, root: string, files: readonly SeedFile[]): Promise<void> {
  await inParallel(files, 16, async (file) => {
    if (isSeedFolder(file)) return; // no empty folders in blob storage (emptyFolders: false)
    const body = Buffer.concat([...seedChunks(file)]);
    const metadata = file.mtime === undefined ? undefined : { mtime: new Date(file.mtime).toISOString() };
    await container
      .getBlockBlobClient(root + file.path)
      .upload(body, body.length, metadata === undefined ? {} : { metadata });
  });
}

runProviderConformance('azureblob (azurite)', async () => {
  const srv = await server();
  const container = rawService(srv.port).getContainerClient('conformance');
  await container.create();
  const root = 'accounts/one/';
  const provider = providerFor(srv.port, { container: 'conformance', prefix: root });
  const seeded: SeedFile[] = [];
  return {
    provider,
    seed: async (files) => {
      await seed(container, root, files);
      seeded.push(...files);
    },
    /**
     * azurite's metadata store costs O(blobs) per delete (its LokiJS indices are rebuilt on every
     * change): removing the 10,000-file folder blob by blob takes minutes here. So the folder
     * goes by deleting the container and uploading again every seeded file outside it; the
     * listing under test is paused meanwhile (the suite awaits this), and afterwards the backend
     * holds exactly what a blob-by-blob removal leaves.
     */
    remove: async (path) => {
      const keep = seeded.filter((file) => file.path !== path && !file.path.startsWith(`${path}/`));
      await container.delete();
      await container.create();
      await seed(container, root, keep);
      seeded.splice(0, seeded.length, ...keep);
    },
    cleanup: async () => {
      await container.delete();
    },
    openResources: () => provider.activeRequests,
  };
});

async function collect(iterable: AsyncIterable<Entry>): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  for await (const entry of iterable) {
    if (entries.has(entry.path)) throw new Error(`listing named '${entry.path}' twice`);
    entries.set(entry.path, entry);
  }
  return entries;
}

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    return isFerryError(error) ? error.code : `untyped: ${String(error)}`;
  }
  return 'no error';
}

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable);
}

describe('azureblob provider against azurite: folders, hashes, credentials, errors', () => {
  let srv: LoopbackServer;
  let container: ContainerClient;
  const put = (name: string, body: string, metadata?: Record<string, string>) =>
    container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), metadata ? { metadata } : {});

  beforeAll(async () => {
    srv = await server();
    container = rawService(srv.port).getContainerClient('edges');
    await container.create();
    await put('docs/a.txt', 'hello');
    await container.getBlockBlobClient('big.bin').upload(Buffer.alloc(256 * 1024, 1), 256 * 1024);
    await put('docs/flagged', '', { hdi_isfolder: 'true' }); // an ADLS / rclone folder marker
    await put('docs/slash/', ''); // a zero-byte marker named like a folder
    await put('docs/rclone.txt', 'with mtime', { mtime: '2023-11-14T22:15:23.456789012Z' });
    // Staged blocks + commit (what big uploads do): the service keeps no Content-MD5.
    const staged = container.getBlockBlobClient('docs/staged.bin');
    const blockId = Buffer.from('block-0001').toString('base64');
    await staged.stageBlock(blockId, Buffer.from('staged bytes'), 12);
    await staged.commitBlockList([blockId]);
  });
  afterAll(async () => {
    await container.delete();
  });

  it('lists markers as folders, mtime from metadata when present, md5 only where the service kept one', async () => {
    const provider = providerFor(srv.port, { container: 'edges' });
    const listed = await collect(provider.list(''));
    expect([...listed.keys()].sort()).toEqual(
      [
        'big.bin',
        'docs',
        'docs/a.txt',
        'docs/flagged',
        'docs/rclone.txt',
        'docs/slash',
        'docs/staged.bin',
      ].sort(),
    );
    expect(listed.get('docs/flagged')?.isDir).toBe(true);
    expect(listed.get('docs/slash')?.isDir).toBe(true);
    expect(listed.get('docs/a.txt')).toMatchObject({
      hash: '5d41402abc4b2a76b9719d911017c592',
      hashType: 'md5',
    });
    expect(listed.get('docs/rclone.txt')?.mtime).toBe(Date.parse('2023-11-14T22:15:23.456Z'));
    const staged = listed.get('docs/staged.bin');
    expect(staged?.hash).toBeUndefined();
    expect(staged?.size).toBe(12);
    // No metadata mtime: Last-Modified, whole seconds.
    expect((staged?.mtime ?? 1) % 1000).toBe(0);
    expect(await provider.stat('docs/staged.bin')).toEqual(staged);
    expect((await provider.stat('docs/flagged')).isDir).toBe(true);
    expect((await provider.stat('docs/slash')).isDir).toBe(true);
    expect((await collect(provider.list('docs/slash'))).size).toBe(0);
  });

  it('pages through a listing with small pages', async () => {
    const provider = providerFor(srv.port, { container: 'edges', pageSize: 2 });
    expect((await collect(provider.list('docs'))).size).toBe(5);
  });

  it('reads with a connection string and with a SAS token', async () => {
    const viaString = new AzureBlobProvider({
      container: 'edges',
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpointOf(srv.port)};`,
    });
    expect(Buffer.concat(await arrayOf(viaString.read('docs/a.txt'))).toString()).toBe('hello');
    const sas = (expiresOn: Date) =>
      generateBlobSASQueryParameters(
        { containerName: 'edges', permissions: ContainerSASPermissions.parse('rl'), expiresOn },
        new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
      ).toString();
    const viaSas = providerFor(srv.port, {
      container: 'edges',
      accountKey: undefined,
      sasToken: sas(new Date(Date.now() + 3_600_000)),
    });
    expect((await collect(viaSas.list('docs'))).size).toBe(5);
    expect(Buffer.concat(await arrayOf(viaSas.read('docs/a.txt', { offset: 1, length: 3 }))).toString()).toBe(
      'ell',
    );
    const expired = providerFor(srv.port, {
      container: 'edges',
      accountKey: undefined,
      sasToken: sas(new Date(Date.now() - 3_600_000)),
      maxTries: 1,
    });
    const refused = await drain(expired.list('')).catch((caught) => caught);
    expect(isFerryError(refused, 'AUTH'), String(refused)).toBe(true);
  });

  it('maps a wrong account key to AUTH (list, stat, read) without repeating it', async () => {
    const wrongKey = Buffer.from('not the key of this account, not at all').toString('base64');
    const provider = providerFor(srv.port, { container: 'edges', accountKey: wrongKey, maxTries: 1 });
    const error = await drain(provider.list('')).catch((caught) => caught);
    expect(isFerryError(error, 'AUTH'), String(error)).toBe(true);
    expect(`${error.message} ${error.hint}`).not.toContain(wrongKey);
    expect(await codeOf(() => provider.stat('docs/a.txt'))).toBe('AUTH');
    expect(await codeOf(() => drain(provider.read('docs/a.txt')))).toBe('AUTH');
  });

  it('maps a missing blob, folder or container to NOT_FOUND', async () => {
    const provider = providerFor(srv.port, { container: 'edges' });
    expect(await codeOf(() => provider.stat('docs/none.txt'))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.read('docs/none.txt', { offset: 2 })))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.read('docs/none.txt', { length: 0 })))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.list('docs/a.txt')))).toBe('NOT_FOUND');
    const missing = providerFor(srv.port, { container: 'no-such-container' });
    const error = await drain(missing.list('')).catch((caught) => caught);
    expect(isFerryError(error, 'NOT_FOUND')).toBe(true);
    expect(error.hint).toMatch(/container/);
    expect(await codeOf(() => missing.stat('docs/a.txt'))).toBe('NOT_FOUND');
  });

  it('maps a refused connection to TRANSIENT', async () => {
    const provider = providerFor(await freePort(), { container: 'edges', maxTries: 1 });
    expect(await codeOf(() => drain(provider.list('')))).toBe('TRANSIENT');
    expect(await codeOf(() => provider.stat('docs/a.txt'))).toBe('TRANSIENT');
    expect(await codeOf(() => drain(provider.read('docs/a.txt')))).toBe('TRANSIENT');
  });

  it('sends every request through the account pacer (spacing seen on a recording clock)', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    };
    const provider = providerFor(srv.port, { container: 'edges', minIntervalMs: 1000, clock });
    await provider.stat('docs/a.txt');
    await drain(provider.read('docs/a.txt', { offset: 1 }));
    await drain(provider.list(''));
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('maps a server that never answers to TRANSIENT after the request timeout', async () => {
    const silent = await startSilentServer();
    try {
      const provider = providerFor(silent.port, { container: 'edges', maxTries: 1, requestTimeoutMs: 300 });
      expect(await codeOf(() => drain(provider.list('')))).toBe('TRANSIENT');
      expect(await codeOf(() => provider.stat('docs/a.txt'))).toBe('TRANSIENT');
      expect(await codeOf(() => drain(provider.read('docs/a.txt')))).toBe('TRANSIENT');
    } finally {
      await silent.stop();
    }
  });

  it('ends a download that breaks off or stalls mid-body with TRUNCATED', async () => {
    for (const mode of ['cut', 'stall'] as const) {
      const proxy = await startBreakingProxy(srv.port, 64 * 1024, mode);
      try {
        const provider = providerFor(proxy.port, {
          container: 'edges',
          maxTries: 1,
          requestTimeoutMs: 500,
        });
        let got = 0;
        const failure = await (async () => {
          for await (const chunk of provider.read('big.bin')) got += chunk.length;
        })().catch((error) => error);
        expect(isFerryError(failure, 'TRUNCATED'), `${mode}: ${String(failure)}`).toBe(true);
        expect(got).toBeLessThan(256 * 1024);
        expect(provider.activeRequests).toBe(0);
      } finally {
        await proxy.stop();
      }
    }
  });

  it('keeps a file and skips the blobs under a folder of the same name (no duplicate path)', async () => {
    const clash = rawService(srv.port).getContainerClient('clash');
    await clash.create();
    try {
      for (const [name, body] of [
        ['same', 'file'],
        ['same/inside.txt', 'under'],
        ['same.txt', 'x'],
      ] as const)
        await clash.getBlockBlobClient(name).upload(body, body.length);
      const listed = await collect(providerFor(srv.port, { container: 'clash' }).list(''));
      // Blob listings come in name order: 'same' < 'same.txt' < 'same/inside.txt', so the file wins.
      expect([...listed.keys()].sort()).toEqual(['same', 'same.txt']);
      expect(listed.get('same')?.isDir).toBe(false);
    } finally {
      await clash.delete();
    }
  });

  it('is created by name from string options, and its secrets are redacted', async () => {
    const raw = {
      container: 'edges',
      connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpointOf(srv.port)};`,
      prefix: 'docs',
    };
    const provider = createProvider('azureblob', raw);
    expect(provider).toBeInstanceOf(AzureBlobProvider);
    expect((await provider.stat('a.txt')).size).toBe(5);
    const factory = getProviderFactory('azureblob');
    const shown = redactOptions(factory, checkProviderOptions(factory, { ...raw, accountKey: undefined }));
    expect(shown.connectionString).toBe('***');
    expect(JSON.stringify(shown)).not.toContain(AZURITE_KEY);
    const broken = (() => {
      try {
        createProvider('azureblob', {
          container: 'edges',
          connectionString: `nonsense;AccountKey=${AZURITE_KEY}`,
        });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(isFerryError(broken, 'BAD_PROVIDER_OPTIONS')).toBe(true);
    expect(broken?.message).not.toContain(AZURITE_KEY);
  });

  it('refuses bad options with BAD_PROVIDER_OPTIONS', () => {
    const bad: Partial<AzureBlobProviderInit>[] = [
      { container: '' },
      { sasToken: 'sv=x' }, // both a key and a SAS token
      { endpoint: 'ftp://x' },
      { pageSize: 6000 },
      { prefix: 'a/../b' },
      { accountKey: 'not base64 at all!' },
    ];
    for (const more of bad)
      expect(() => providerFor(srv.port, { container: 'edges', ...more }), JSON.stringify(more)).toThrow(
        expect.objectContaining({ code: 'BAD_PROVIDER_OPTIONS' }),
      );
  });
});

async function arrayOf(iterable: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of iterable) chunks.push(chunk);
  return chunks;
}
