import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { checkProviderOptions, type Entry, isFerryError, redactOptions } from '@ferry/core';
import { createProvider, getProviderFactory, S3Provider, type S3ProviderInit } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSeedFolder, runProviderConformance, type SeedFile, seedChunks } from '../conformance/index.js';
import {
  freePort,
  inParallel,
  type LoopbackServer,
  startBreakingProxy,
  startS3rver,
  startSilentServer,
} from './object-store-servers.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BUCKET = 'ferry';
const KEY_ID = 'S3RVER';
const SECRET = 'S3RVER';

let serverPromise: Promise<LoopbackServer> | undefined;
const server = () => {
  serverPromise ??= startS3rver(BUCKET);
  return serverPromise;
};
afterAll(async () => {
  await (await serverPromise)?.stop();
});

/** A plain SDK client for seeding: the backend itself, not the provider under test. */
function rawClient(port: number): S3Client {
  return new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

function providerFor(port: number, prefix: string, more: Partial<S3ProviderInit> = {}): S3Provider {
  return new S3Provider({
    bucket: BUCKET,
    prefix,
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET,
    ...more,
  });
}

/** Where s3rver keeps an object's bytes: `<dir>/<bucket>/<key folders>/<name>._S3rver_object`. */
function objectFile(srv: LoopbackServer, key: string): string {
  const parts = key.split('/');
  return join(srv.dir, BUCKET, ...parts.slice(0, -1), `${parts.at(-1)}._S3rver_object`);
}

/**
 * The special files go up through S3 (PutObject). The 10,000 bulk files under many/ are written
 * straight into s3rver's storage folder, as local.test.ts writes its files: 10,000 PutObjects take
 * ~40 s on this machine, the disk writes ~1 s, and s3rver serves them alike (it computes a missing
 * MD5 on first read; the suite checks every hash against node:crypto). LastModified is set on the
 * object file: S3 has no API for it (it is the upload time) and s3rver reports that file's mtime.
 */
async function seed(srv: LoopbackServer, client: S3Client, root: string, files: readonly SeedFile[]) {
  const madeFolders = new Set<string>();
  await inParallel(files, 8, async (file) => {
    if (isSeedFolder(file)) return; // object stores keep no empty folders (emptyFolders: false)
    const key = root + file.path;
    const body = Buffer.concat([...seedChunks(file)]);
    const target = objectFile(srv, key);
    if (file.path.startsWith('many/')) {
      if (!madeFolders.has(dirname(target))) {
        await mkdir(dirname(target), { recursive: true });
        madeFolders.add(dirname(target));
      }
      await writeFile(target, body);
    } else await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    if (file.mtime !== undefined) await utimes(target, new Date(file.mtime), new Date(file.mtime));
  });
}

async function removePrefix(client: S3Client, prefix: string): Promise<void> {
  for (;;) {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    const keys = (page.Contents ?? []).map((object) => ({ Key: object.Key as string }));
    if (keys.length === 0) return;
    await client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: keys, Quiet: true } }));
  }
}

runProviderConformance('s3 (s3rver)', async () => {
  const srv = await server();
  const client = rawClient(srv.port);
  const root = 'accounts/one/';
  const provider = providerFor(srv.port, '/accounts/one/');
  return {
    provider,
    seed: (files) => seed(srv, client, root, files),
    // Removal in s3rver's storage folder too: DeleteObjects of 10,000 keys takes ~6 s here.
    remove: (path) =>
      rm(join(srv.dir, BUCKET, ...`${root}${path}`.split('/')), { recursive: true, force: true }),
    cleanup: async () => {
      await rm(join(srv.dir, BUCKET, ...root.split('/').filter(Boolean)), { recursive: true, force: true });
      client.destroy();
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

describe('s3 provider against s3rver: folders, prefixes, errors', () => {
  let srv: LoopbackServer;
  let client: S3Client;
  const root = 'edges/';
  const put = (key: string, body: string) =>
    client.send(new PutObjectCommand({ Bucket: BUCKET, Key: root + key, Body: Buffer.from(body) }));

  beforeAll(async () => {
    srv = await server();
    client = rawClient(srv.port);
    await put('marked/', ''); // a folder marker, as the S3 console makes
    await put('marked/inner/', '');
    await put('photos/a.jpg', 'jpeg bytes');
    await put('photos/2024/b.jpg', 'more bytes');
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${root}big.bin`, Body: Buffer.alloc(256 * 1024, 1) }),
    );
  });
  afterAll(async () => {
    await removePrefix(client, root);
    client.destroy();
  });

  it('derives folders from keys and markers, once each', async () => {
    const provider = providerFor(srv.port, root);
    const listed = await collect(provider.list(''));
    expect([...listed.keys()].sort()).toEqual(
      [
        'big.bin',
        'marked',
        'marked/inner',
        'photos',
        'photos/2024',
        'photos/2024/b.jpg',
        'photos/a.jpg',
      ].sort(),
    );
    expect(listed.get('marked/inner')).toMatchObject({ isDir: true, size: 0 });
    expect(listed.get('photos/a.jpg')).toMatchObject({ isDir: false, size: 10, hashType: 'md5' });
    expect((await provider.stat('marked')).isDir).toBe(true);
    expect((await provider.stat('photos/2024')).isDir).toBe(true);
    // A folder holding only its marker exists and is empty.
    expect((await collect(provider.list('marked/inner'))).size).toBe(0);
    expect((await collect(provider.list('photos'))).size).toBe(3);
    await provider.close();
  });

  it('pages through a listing with small pages', async () => {
    const provider = providerFor(srv.port, root, { pageSize: 2 });
    const listed = await collect(provider.list('photos'));
    expect([...listed.keys()].sort()).toEqual(['2024', '2024/b.jpg', 'a.jpg']);
    const all = await collect(provider.list(''));
    expect(all.size).toBe(7);
    await provider.close();
  });

  it('turns hashes off with md5Etags: false', async () => {
    const provider = providerFor(srv.port, root, { md5Etags: false });
    expect(provider.capabilities.hashTypes).toEqual([]);
    expect((await provider.stat('photos/a.jpg')).hash).toBeUndefined();
    const listed = await collect(provider.list('photos'));
    expect(listed.get('a.jpg')?.hash).toBeUndefined();
    await provider.close();
  });

  // s3rver checks the access key id but not SigV4 signatures (its source: "Signature version 4
  // calculation is unimplemented"), so a wrong secret passes there; SignatureDoesNotMatch → AUTH
  // is covered by the mapper's unit test in core.
  it('maps an unknown access key id to AUTH (list, read; stat: AUTH or PERMISSION)', async () => {
    const unknownKey = providerFor(srv.port, root, { accessKeyId: 'NOBODY', maxAttempts: 1 });
    expect(await codeOf(() => drain(unknownKey.list('')))).toBe('AUTH');
    expect(await codeOf(() => drain(unknownKey.list('photos')))).toBe('AUTH');
    expect(await codeOf(() => drain(unknownKey.read('photos/a.jpg')))).toBe('AUTH');
    expect(await codeOf(() => drain(unknownKey.read('photos/a.jpg', { offset: 2, length: 3 })))).toBe('AUTH');
    // HEAD answers carry no error code: a bare 403 cannot tell wrong keys from a denied object.
    expect(await codeOf(() => unknownKey.stat('photos/a.jpg'))).toBe('PERMISSION');
    await unknownKey.close();
  });

  it('never puts the secret in an error message', async () => {
    const secret = 'very-secret-value-1234';
    const provider = providerFor(srv.port, root, {
      accessKeyId: 'NOBODY',
      secretAccessKey: secret,
      maxAttempts: 1,
    });
    const error = await drain(provider.list('')).catch((caught) => caught);
    expect(isFerryError(error, 'AUTH')).toBe(true);
    expect(`${error.message} ${error.hint} ${JSON.stringify(error)}`).not.toContain(secret);
    await provider.close();
  });

  it('maps a missing key, folder or bucket to NOT_FOUND', async () => {
    const provider = providerFor(srv.port, root);
    expect(await codeOf(() => provider.stat('photos/none.jpg'))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.read('photos/none.jpg', { offset: 3 })))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.read('photos/none.jpg', { length: 0 })))).toBe('NOT_FOUND');
    expect(await codeOf(() => drain(provider.list('photos/a.jpg')))).toBe('NOT_FOUND');
    const noBucket = providerFor(srv.port, root, { bucket: 'no-such-bucket' });
    const error = await drain(noBucket.list('')).catch((caught) => caught);
    expect(isFerryError(error, 'NOT_FOUND')).toBe(true);
    expect(error.hint).toMatch(/bucket/);
    await provider.close();
    await noBucket.close();
  });

  it('maps a refused connection to TRANSIENT', async () => {
    const provider = providerFor(await freePort(), root, { maxAttempts: 1 });
    expect(await codeOf(() => drain(provider.list('')))).toBe('TRANSIENT');
    expect(await codeOf(() => provider.stat('photos/a.jpg'))).toBe('TRANSIENT');
    expect(await codeOf(() => drain(provider.read('photos/a.jpg')))).toBe('TRANSIENT');
    await provider.close();
  });

  it('stops a listing when its signal aborts', async () => {
    const provider = providerFor(srv.port, root, { pageSize: 1 });
    const controller = new AbortController();
    let seen = 0;
    const failure = await (async () => {
      for await (const _ of provider.list('', { signal: controller.signal }))
        if (++seen === 2) controller.abort(new Error('stop now'));
    })().catch((error) => error);
    expect(String(failure)).toMatch(/stop now/);
    expect(seen).toBe(2);
    expect(provider.activeRequests).toBe(0);
    await provider.close();
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
    const provider = providerFor(srv.port, root, { minIntervalMs: 1000, clock });
    await provider.stat('photos/a.jpg');
    await drain(provider.read('photos/a.jpg', { offset: 1 }));
    await drain(provider.list(''));
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('maps a server that never answers to TRANSIENT after the request timeout', async () => {
    const silent = await startSilentServer();
    try {
      const provider = providerFor(silent.port, root, { maxAttempts: 1, requestTimeoutMs: 300 });
      expect(await codeOf(() => drain(provider.list('')))).toBe('TRANSIENT');
      expect(await codeOf(() => provider.stat('photos/a.jpg'))).toBe('TRANSIENT');
      expect(await codeOf(() => drain(provider.read('photos/a.jpg')))).toBe('TRANSIENT');
    } finally {
      await silent.stop();
    }
  });

  it('ends a download that breaks off or stalls mid-body with TRUNCATED', async () => {
    for (const mode of ['cut', 'stall'] as const) {
      const proxy = await startBreakingProxy(srv.port, 64 * 1024, mode);
      try {
        const provider = providerFor(proxy.port, root, { maxAttempts: 1, requestTimeoutMs: 500 });
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

  it('keeps a file and skips the keys under a folder of the same name (no duplicate path)', async () => {
    const clashRoot = 'clash-root/';
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${clashRoot}same`, Body: Buffer.from('file') }),
    );
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `${clashRoot}same/inside.txt`,
        Body: Buffer.from('under'),
      }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: `${clashRoot}same.txt`, Body: Buffer.from('x') }),
    );
    try {
      const provider = providerFor(srv.port, clashRoot);
      const listed = await collect(provider.list(''));
      // One entry per path whatever the order. In S3's key order ('same' < 'same.txt' <
      // 'same/inside.txt') the file wins; s3rver lists in file-system order, where it may not.
      const paths = [...listed.values()].map((entry) => `${entry.isDir ? 'D' : 'F'} ${entry.path}`).sort();
      expect([
        ['F same', 'F same.txt'],
        ['D same', 'F same.txt', 'F same/inside.txt'],
      ]).toContainEqual(paths);
    } finally {
      await removePrefix(client, clashRoot);
    }
  });

  it('is created by name from string options, and its secret is redacted', async () => {
    const raw = {
      bucket: BUCKET,
      prefix: root,
      endpoint: `http://127.0.0.1:${srv.port}`,
      forcePathStyle: 'yes',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      maxConcurrency: '2',
    };
    const provider = createProvider('s3', raw);
    expect(provider).toBeInstanceOf(S3Provider);
    expect((await provider.stat('photos/a.jpg')).size).toBe(10);
    const factory = getProviderFactory('s3');
    expect(redactOptions(factory, checkProviderOptions(factory, raw)).secretAccessKey).toBe('***');
    expect(() => createProvider('s3', { ...raw, bucket: undefined })).toThrow(/needs option 'bucket'/);
    await provider.close?.();
  });

  it('refuses bad options with BAD_PROVIDER_OPTIONS', () => {
    for (const bad of [{ bucket: '' }, { secretAccessKey: '' }, { endpoint: 'ftp://x' }, { pageSize: 0 }])
      expect(() => providerFor(srv.port, root, bad as Partial<S3ProviderInit>)).toThrow(
        expect.objectContaining({ code: 'BAD_PROVIDER_OPTIONS' }),
      );
  });
});
