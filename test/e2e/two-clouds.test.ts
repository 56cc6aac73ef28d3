import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DavServer, missingBinaries, startRcloneWebdav } from '../providers/dav-servers.js';
import { inParallel, type LoopbackServer, startS3rver } from '../providers/object-store-servers.js';
import {
  apiLogin,
  type ContainerStatus,
  FerryProcess,
  ferryOk,
  pairingCode,
  relayUrlOf,
  treeOf,
  until,
} from './harness.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Issue 6's end-to-end run: one user with two cloud accounts (a WebDAV server and an S3 bucket,
 * both real servers on loopback) backed up by real `ferry relay` and `ferry device` processes
 * into two containers on one disk, compared byte for byte; then one object changes in each
 * cloud, and after `ferry crawl` the new bytes land and the old ones are kept as a version.
 */
const PASSWORD = 'alice-password-1';
const BUCKET = 'ferry';
const S3_KEY = 'S3RVER'; // s3rver's built-in key pair
const FOLDERS = ['photos/2024', 'Docs/été', '日本語/メモ', 'music/🎵 mix', 'a/b/c/d', 'odd names'];
const PER_FOLDER = 50;

interface SeedFile {
  path: string;
  body: Buffer;
}

/** ~300 files in nested folders: unicode and awkward names, one 0-byte file, one 3 MB file. */
function seedFiles(salt: number): SeedFile[] {
  const files: SeedFile[] = [];
  let n = 0;
  for (const folder of FOLDERS) {
    for (let i = 0; i < PER_FOLDER; i++, n++) {
      const size = n === 0 ? 0 : n === 7 ? 3_000_000 : (n * 97 + salt) % 20_000;
      const name =
        i % 10 === 0 ? `Ünïcode ${i} ✓.txt` : i % 10 === 1 ? `50% #${i} & (copy).txt` : `file-${i}.bin`;
      // Content differs per file and per cloud, so a swapped or misplaced file shows.
      const body = Buffer.alloc(size);
      for (let b = 0; b < size; b++) body[b] = (b * 31 + n * 7 + salt) & 0xff;
      files.push({ path: `${folder}/${name}`, body });
    }
  }
  return files;
}

const sha256 = (body: Buffer | string) => createHash('sha256').update(body).digest('hex');

describe('relay + device: a WebDAV server and an S3 bucket into one disk', () => {
  const skip = missingBinaries('rclone');
  let dir = '';
  let disk = '';
  let dav: DavServer | undefined;
  let s3: LoopbackServer | undefined;
  let client: S3Client | undefined;
  let relay: FerryProcess | undefined;
  let device: FerryProcess | undefined;
  let env: Record<string, string> = {};
  let api: Awaited<ReturnType<typeof apiLogin>>;
  const s3Files = seedFiles(101);
  const davFiles = seedFiles(7);

  beforeAll(async () => {
    if (skip.length > 0) return;
    dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-clouds-'));
    disk = join(dir, 'disk');
    env = { FERRY_CONFIG: join(dir, 'config'), FERRY_PASSWORD: PASSWORD };
    // Both started at once, each kept as soon as it is up, so afterAll stops it even if the other failed.
    const started = await Promise.allSettled([
      startRcloneWebdav().then((server) => {
        dav = server;
      }),
      startS3rver(BUCKET).then((server) => {
        s3 = server;
      }),
    ]);
    for (const outcome of started) if (outcome.status === 'rejected') throw outcome.reason;
    if (dav === undefined || s3 === undefined) throw new Error('a server did not start');
    // WebDAV: seeded through the served folder before anything lists it (rclone's cache is empty).
    const davRoot = dav.data;
    for (const file of davFiles) {
      await mkdir(dirname(join(davRoot, file.path)), { recursive: true });
      await writeFile(join(davRoot, file.path), file.body);
    }
    await mkdir(join(davRoot, 'empty folder'));
    // S3: uploaded with the SDK, single PutObjects, so every ETag is the object's MD5.
    client = new S3Client({
      endpoint: `http://127.0.0.1:${s3.port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
      // s3rver does not know the newer CRC checksums: it would store aws-chunked framing as content.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const s3Client = client;
    await inParallel(s3Files, 8, async (file) => {
      await s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: file.path, Body: file.body }));
    });
  }, 120_000);

  afterAll(async () => {
    // Each stop on its own: one failing must not leave the others running.
    await Promise.allSettled([device?.stop(), relay?.stop()]);
    client?.destroy();
    await Promise.allSettled([dav?.stop(), s3?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function containers(): Promise<Map<string, ContainerStatus>> {
    const status = await api.get<{ containers: ContainerStatus[] }>('/api/status');
    return new Map(status.containers.map((c) => [c.name, c]));
  }

  /** Waits until each named container has a finished crawl newer than `after` and every entry fetched. */
  async function allFetched(names: string[], after: number): Promise<Map<string, ContainerStatus>> {
    let last: Map<string, ContainerStatus> | undefined;
    try {
      return await until(
        async () => {
          if (device?.child.exitCode !== null || relay?.child.exitCode !== null) {
            throw new Error('a ferry process exited');
          }
          const all = await containers();
          last = all;
          const done = names.every((name) => {
            const c = all.get(name);
            return (
              c !== undefined &&
              c.lastCrawl !== null &&
              c.lastCrawl > after &&
              !c.crawling &&
              c.files > 0 &&
              c.fetchedFiles === c.files
            );
          });
          return done ? all : undefined;
        },
        `every entry of ${names.join(', ')} fetched`,
        120_000,
        300,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nlast status: ${JSON.stringify([...(last?.values() ?? [])])}\ndevice:\n${device?.tail()}\nrelay:\n${relay?.tail(10)}`,
      );
    }
  }

  /** The one version kept of `path` in `container`, checked to hold `old`. */
  async function expectVersion(container: string, path: string, old: Buffer) {
    const folder = join(disk, '.ferry', 'versions', container, dirname(path));
    const name = path.split('/').at(-1) as string;
    const stem = name.slice(0, name.lastIndexOf('.'));
    const kept = (await readdir(folder)).filter((f) => f.startsWith(`${stem}.`));
    expect(kept, `versions of ${container}/${path}`).toHaveLength(1);
    expect(kept[0]).toMatch(/\.\d{8}T\d{9}Z\.\w+$/);
    expect(sha256(await readFile(join(folder, kept[0] as string)))).toBe(sha256(old));
  }

  it.skipIf(skip.length > 0)(
    'backs up both clouds byte for byte, then follows one edit in each',
    async () => {
      const data = join(dir, 'data');
      await ferryOk(['user', 'add', 'alice', '--data', data], env);
      relay = new FerryProcess(['relay', '--data', data, '--port', '0'], env);
      const url = await relayUrlOf(relay);
      await ferryOk(['login', '--relay', url, '--user', 'alice'], env);
      api = await apiLogin(url, 'alice', PASSWORD);
      const davServer = dav as DavServer;
      const s3Server = s3 as LoopbackServer;
      // The relay lists each account once when it is added: the servers are up and seeded by now.
      await ferryOk(
        [
          'account',
          'add',
          'nas',
          '--provider',
          'webdav',
          '--set',
          `url=${davServer.url}`,
          '--set',
          `user=${davServer.user}`,
          '--set',
          `password=${davServer.password}`,
          '--set',
          'hash=etag',
        ],
        env,
      );
      await ferryOk(
        [
          'account',
          'add',
          'bucket',
          '--provider',
          's3',
          '--set',
          `endpoint=http://127.0.0.1:${s3Server.port}`,
          '--set',
          'forcePathStyle=true',
          '--set',
          `bucket=${BUCKET}`,
          '--set',
          `accessKeyId=${S3_KEY}`,
          '--set',
          `secretAccessKey=${S3_KEY}`,
        ],
        env,
      );
      const code = await pairingCode(env);
      device = new FerryProcess(
        ['device', '--relay', url, '--disk', disk, '--name', 'pi', '--pair', code, '--port', '0'],
        { ...env, FERRY_MIN_FREE: '1MB', FERRY_PARALLEL: '4' },
      );
      await device.waitFor(/bound this disk as device pi of user alice/);

      const started = Date.now() - 1;
      await ferryOk(['container', 'add', 'dav', '--account', 'nas', '--device', 'pi'], env);
      await ferryOk(['container', 'add', 's3', '--account', 'bucket', '--device', 'pi'], env);
      const first = await allFetched(['dav', 's3'], started);
      // The catalogs count folders too: WebDAV's real ones (the empty one included), S3's derived ones.
      expect(first.get('dav')?.files).toBe((await readdir(davServer.data, { recursive: true })).length);
      const s3Folders = new Set(
        s3Files.flatMap((f) =>
          f.path
            .split('/')
            .slice(0, -1)
            .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
        ),
      );
      expect(first.get('s3')?.files).toBe(s3Files.length + s3Folders.size);

      // WebDAV: the disk copy against the server's own folder.
      const davExpected = await treeOf(davServer.data);
      expect(davExpected.size).toBe(davFiles.length);
      expect(await treeOf(join(disk, 'dav'))).toEqual(davExpected);
      expect((await readdir(join(disk, 'dav', 'empty folder'))).length).toBe(0);
      // S3: the disk copy against the bodies uploaded.
      const s3Expected = new Map(s3Files.map((f) => [f.path, sha256(f.body)]));
      expect(await treeOf(join(disk, 's3'))).toEqual(s3Expected);
      const leftovers = (await readdir(disk, { recursive: true })).filter((p) =>
        String(p).endsWith('.ferry-part'),
      );
      expect(leftovers).toEqual([]);

      // One object changes in each cloud, through the servers' own APIs.
      const davEdited = davFiles[3] as SeedFile;
      const s3Edited = s3Files[60] as SeedFile;
      const davNew = 'edited on the WebDAV server ✓';
      const s3New = 'edited in the bucket ✓';
      const put = await fetch(
        `${davServer.url}${davEdited.path.split('/').map(encodeURIComponent).join('/')}`,
        {
          method: 'PUT',
          headers: {
            authorization: `Basic ${Buffer.from(`${davServer.user}:${davServer.password}`).toString('base64')}`,
          },
          body: davNew,
        },
      );
      await put.body?.cancel();
      expect(put.status).toBeLessThan(300);
      await (client as S3Client).send(
        new PutObjectCommand({ Bucket: BUCKET, Key: s3Edited.path, Body: Buffer.from(s3New) }),
      );
      const recrawl = Date.now() - 1;
      await ferryOk(['crawl', 'dav'], env);
      await ferryOk(['crawl', 's3'], env);
      await allFetched(['dav', 's3'], recrawl);

      expect(await readFile(join(disk, 'dav', davEdited.path), 'utf8')).toBe(davNew);
      expect(await readFile(join(disk, 's3', s3Edited.path), 'utf8')).toBe(s3New);
      await expectVersion('dav', davEdited.path, davEdited.body);
      await expectVersion('s3', s3Edited.path, s3Edited.body);
      // Everything else is untouched.
      expect(await treeOf(join(disk, 'dav'))).toEqual(await treeOf(davServer.data));
      expect(await treeOf(join(disk, 's3'))).toEqual(
        new Map([...s3Expected, [s3Edited.path, sha256(s3New)]]),
      );

      expect(await device.stop()).toBe(0);
      expect(await relay.stop()).toBe(0);
    },
    180_000,
  );
});
