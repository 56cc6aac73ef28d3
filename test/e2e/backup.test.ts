import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiLogin,
  type ContainerStatus,
  FerryProcess,
  ferryOk,
  pairingCode,
  relayUrlOf,
  stopAll,
  treeOf,
  until,
} from './harness.js';

/**
 * Issue 5's end-to-end run with real processes: `ferry relay`, `ferry device`, and the CLI
 * commands a user types, over a `local` account of 2,000 files in nested folders with unicode names.
 */
const FOLDERS = ['photos', 'Docs/été', '日本語/メモ', 'music/🎵 mix', 'a/b/c/d/e'];
const PER_FOLDER = Number(process.env.FERRY_E2E_PER_FOLDER ?? 400);
const PASSWORD = 'alice-password-1';

describe('relay + device + local account, real processes', () => {
  let dir = '';
  let source = '';
  let disk = '';
  let relay: FerryProcess | undefined;
  let device: FerryProcess | undefined;
  let env: Record<string, string> = {};
  let api: Awaited<ReturnType<typeof apiLogin>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-'));
    source = join(dir, 'source');
    disk = join(dir, 'disk');
    let n = 0;
    for (const folder of FOLDERS) {
      await mkdir(join(source, folder), { recursive: true });
      for (let i = 0; i < PER_FOLDER; i++, n++) {
        // Sizes from 0 bytes to ~40 KB, and one 3 MB file, so ranges and streams are exercised.
        const size = n === 7 ? 3_000_000 : (n * 97) % 40_000;
        const name = i % 50 === 0 ? `Ünïcode ${i} ✓.txt` : `file-${i}.bin`;
        await writeFile(join(source, folder, name), Buffer.alloc(size, n % 251));
      }
    }
    await mkdir(join(source, 'empty folder'));
    env = { FERRY_CONFIG: join(dir, 'config'), FERRY_PASSWORD: PASSWORD };
  }, 120_000);

  afterAll(async () => {
    await stopAll(device, relay).finally(() => rm(dir, { recursive: true, force: true }));
  });

  async function container(): Promise<ContainerStatus> {
    const status = await api.get<{ containers: ContainerStatus[] }>('/api/status');
    const found = status.containers.find((c) => c.name === 'home');
    if (!found) throw new Error('no container home in status');
    return found;
  }

  /** Waits for a finished crawl newer than `after` and every file of it fetched. */
  async function allFetched(after: number) {
    let last: ContainerStatus | undefined;
    try {
      return await until(
        async () => {
          if (device?.child.exitCode !== null || relay?.child.exitCode !== null) {
            throw new Error('a ferry process exited');
          }
          const c = await container();
          last = c;
          return c.lastCrawl !== null &&
            c.lastCrawl > after &&
            !c.crawling &&
            c.files > 0 &&
            c.fetchedFiles === c.files
            ? c
            : undefined;
        },
        'every file fetched',
        240_000,
        500,
      );
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nlast status: ${JSON.stringify(last)}\ndevice:\n${device?.tail()}\nrelay:\n${relay?.tail(10)}`,
      );
    }
  }

  it('backs up the tree byte for byte, then follows an edit, a delete and an add', async () => {
    const data = join(dir, 'data');
    await ferryOk(['user', 'add', 'alice', '--data', data], env);
    relay = new FerryProcess(['relay', '--data', data, '--port', '0'], env);
    const url = await relayUrlOf(relay);
    await ferryOk(['login', '--relay', url, '--user', 'alice'], env);
    api = await apiLogin(url, 'alice', PASSWORD);
    await ferryOk(['account', 'add', 'home-disk', '--provider', 'local', '--set', `root=${source}`], env);
    const code = await pairingCode(env);

    device = new FerryProcess(
      ['device', '--relay', url, '--disk', disk, '--name', 'pi', '--pair', code, '--port', '0'],
      { ...env, FERRY_MIN_FREE: '1MB', FERRY_PARALLEL: '4' },
    );
    await device.waitFor(/bound this disk as device pi of user alice/);
    const started = Date.now() - 1;
    await ferryOk(['container', 'add', 'home', '--account', 'home-disk', '--device', 'pi'], env);
    const first = await allFetched(started);
    // The catalog counts folders too: the nested ones and the empty one.
    const sourceEntries = (await readdir(source, { recursive: true })).length;
    expect(first.files).toBe(sourceEntries);

    const expected = await treeOf(source);
    const copied = await treeOf(join(disk, 'home'));
    expect(copied.size).toBe(expected.size);
    expect(copied).toEqual(expected);
    expect(existsSync(join(disk, 'home', 'empty folder'))).toBe(true);
    const leftovers = (await readdir(disk, { recursive: true })).filter((p) =>
      String(p).endsWith('.ferry-part'),
    );
    expect(leftovers).toEqual([]);

    // Upstream: one file edited (new size and mtime), one deleted, one added.
    const edited = join('photos', 'file-1.bin');
    const deleted = join('Docs/été', 'file-2.bin');
    const added = join('日本語/メモ', 'new 新しい.txt');
    const oldContent = await readFile(join(source, edited));
    await writeFile(join(source, edited), 'edited upstream');
    await utimes(join(source, edited), new Date(), new Date(Date.now() + 5000));
    await rm(join(source, deleted));
    await writeFile(join(source, added), 'added upstream');
    const recrawl = Date.now() - 1;
    await ferryOk(['crawl', 'home'], env);
    const second = await allFetched(recrawl);
    expect(second.files).toBe(sourceEntries);

    expect(await readFile(join(disk, 'home', edited), 'utf8')).toBe('edited upstream');
    expect(await readFile(join(disk, 'home', added), 'utf8')).toBe('added upstream');
    // Never lose a file: the deleted one stays, the old version of the edited one is kept.
    expect(existsSync(join(disk, 'home', deleted))).toBe(true);
    const versions = await readdir(join(disk, '.ferry', 'versions', 'home', 'photos'));
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatch(/^file-1\.\d{8}T\d{9}Z\.bin$/);
    expect(await readFile(join(disk, '.ferry', 'versions', 'home', 'photos', versions[0] as string))).toEqual(
      oldContent,
    );
    const now = await treeOf(join(disk, 'home'));
    const upstream = await treeOf(source);
    for (const [path, hash] of upstream) expect(now.get(path), path).toBe(hash);
    expect([...now.keys()].filter((p) => !upstream.has(p))).toEqual([deleted]);

    expect(await device.stop()).toBe(0);
    expect(await relay.stop()).toBe(0);
  }, 400_000);
});
