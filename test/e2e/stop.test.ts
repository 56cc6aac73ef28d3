import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FerryProcess, ferryOk, pairingCode, relayUrlOf } from './harness.js';

/**
 * A device stopped the moment it is bound — while it still probes its disk and opens its status
 * document — exits like any other stop. (It once kept its link to the relay open and never
 * exited: the stop closed an agent that did not exist yet, and the agent started after it.)
 */
describe('a device stopped while it starts', () => {
  let dir = '';
  let relay: FerryProcess | undefined;
  let device: FerryProcess | undefined;
  afterAll(async () => {
    await device?.kill();
    await relay?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 when SIGTERM comes right after binding, at any moment of its start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-stop-'));
    const env = { FERRY_CONFIG: join(dir, 'config'), FERRY_PASSWORD: 'alice-password-1' };
    const data = join(dir, 'data');
    await ferryOk(['user', 'add', 'alice', '--data', data], env);
    relay = new FerryProcess(['relay', '--data', data, '--port', '0'], env);
    const url = await relayUrlOf(relay);
    await ferryOk(['login', '--relay', url, '--user', 'alice'], env);
    // The stop lands at different moments of the start: the disk probe, the status doc's first sync, after.
    for (const [run, delayMs] of [0, 10, 40, 150].entries()) {
      const code = await pairingCode(env);
      const disk = join(dir, `disk-${run}`);
      device = new FerryProcess(
        ['device', '--relay', url, '--disk', disk, '--name', `quick-${run}`, '--pair', code, '--port', '0'],
        { ...env, FERRY_MIN_FREE: '1MB', FERRY_PARALLEL: '4' },
      );
      await device.waitFor(/bound this disk as device/);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      // stop() also fails when the device is still running 20 s after SIGTERM, with its output.
      expect(await device.stop(), `stopped ${delayMs} ms after binding:\n${device.tail()}`).toBe(0);
      device = undefined;
    }
  }, 120_000);
});
