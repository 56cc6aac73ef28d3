import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProvider } from '@ferry/core/providers';
import { afterAll, describe, expect, it } from 'vitest';
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

const FILES = 300;
const PASSWORD = 'alice-password-1';
/** Every 7th provider call answers 429 with a 300 ms Retry-After: the run lasts long enough to cut. */
const ACCOUNT = [
  '--set',
  'seed=7',
  '--set',
  `files=${FILES}`,
  '--set',
  'rateLimitEvery=7',
  '--set',
  'retryAfterMs=300',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Issue 5: the relay is stopped for the middle of the run; the device finishes from its replica on
 * the disk, and its receipts reach the relay once it is back. 429 storms along the way.
 */
describe('relay stopped mid-run (real processes, memory account with 429 storms)', () => {
  const processes: FerryProcess[] = [];
  let dir = '';

  afterAll(async () => {
    await stopAll(...processes).finally(() => dir && rm(dir, { recursive: true, force: true }));
  });

  it('finishes without the relay and delivers the receipts after its restart', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-offline-'));
    const data = join(dir, 'data');
    const disk = join(dir, 'disk');
    const env = { FERRY_CONFIG: join(dir, 'config'), FERRY_PASSWORD: PASSWORD };
    const port = await freePort();
    await ferryOk(['user', 'add', 'alice', '--data', data], env);
    const startRelay = () => {
      const relay = new FerryProcess(['relay', '--data', data, '--port', String(port)], env);
      processes.push(relay);
      return relay;
    };
    let relay = startRelay();
    const url = await relayUrlOf(relay);
    await ferryOk(['login', '--relay', url, '--user', 'alice'], env);
    await ferryOk(['account', 'add', 'synthetic', '--provider', 'memory', ...ACCOUNT], env);
    const code = await pairingCode(env);
    const device = new FerryProcess(
      ['device', '--relay', url, '--disk', disk, '--name', 'pi', '--pair', code, '--port', '0'],
      { ...env, FERRY_MIN_FREE: '1MB', FERRY_PARALLEL: '1' },
    );
    processes.push(device);
    await device.waitFor(/bound this disk/);
    await ferryOk(['container', 'add', 'synth', '--account', 'synthetic', '--device', 'pi'], env);

    const api = await apiLogin(url, 'alice', PASSWORD);
    const status = async () =>
      (await api.get<{ containers: ContainerStatus[] }>('/api/status')).containers.find(
        (c) => c.name === 'synth',
      );
    let seen: ContainerStatus | undefined;
    const partly = await until(async () => {
      const c = await status();
      seen = c;
      // files counts the two synthetic folders too.
      return c && c.files > FILES && c.fetchedFiles >= 20 ? c : undefined;
    }, 'the first files fetched').catch((error) => {
      throw new Error(`${error.message}\nstatus: ${JSON.stringify(seen)}\ndevice:\n${device.tail()}`);
    });
    expect(partly.fetchedFiles).toBeLessThan(partly.files);

    expect(await relay.stop()).toBe(0);
    const onDisk = () => treeOf(join(disk, 'synth'));
    await until(
      async () => ((await onDisk()).size === FILES ? true : undefined),
      'every file on the disk',
      180_000,
      500,
    );
    expect(device.child.exitCode).toBeNull();

    // The files are the cloud's, byte for byte.
    // The same synthetic tree without the faults (content depends on the seed only).
    const cloud = createProvider('memory', { seed: 7, files: FILES });
    const tree = await onDisk();
    for await (const entry of cloud.list('')) {
      if (entry.isDir) continue;
      const chunks: Uint8Array[] = [];
      for await (const chunk of cloud.read(entry.path)) chunks.push(chunk);
      const disked = await readFile(join(disk, 'synth', entry.path));
      expect(disked.equals(Buffer.concat(chunks)), entry.path).toBe(true);
    }
    expect(tree.size).toBe(FILES);

    relay = startRelay();
    await relayUrlOf(relay);
    const api2 = await apiLogin(url, 'alice', PASSWORD);
    const done = await until(
      async () => {
        const c = (await api2.get<{ containers: ContainerStatus[] }>('/api/status')).containers.find(
          (x) => x.name === 'synth',
        );
        return c && c.fetchedFiles === c.files ? c : undefined;
      },
      'the receipts written offline to reach the relay',
      120_000,
      500,
    );
    expect(done.files).toBe(FILES + 2);
  }, 400_000);
});
