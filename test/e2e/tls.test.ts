import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selfSignedCert } from '../../relay/src/testing.js';
import { FerryProcess, ferry, ferryOk, pairingCode, relayUrlOf, stopAll, treeOf, until } from './harness.js';

/**
 * The relay on https (`--tls-cert`/`--tls-key`, a self-signed certificate made by openssl), the CLI
 * and a device process reaching it with the certificate given the Node way (NODE_EXTRA_CA_CERTS):
 * API calls over https, document sync over wss, files fetched.
 */
describe('relay over https with a device, real processes', () => {
  let dir = '';
  let relay: FerryProcess | undefined;
  let device: FerryProcess | undefined;
  afterAll(async () => {
    await stopAll(device, relay).finally(() => dir && rm(dir, { recursive: true, force: true }));
  });

  it('pairs, syncs over wss and fetches; a client without the certificate is refused', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-e2e-tls-'));
    const { cert, key } = selfSignedCert(dir);
    const source = join(dir, 'source');
    await mkdir(join(source, 'docs'), { recursive: true });
    for (let i = 0; i < 20; i++)
      await writeFile(join(source, 'docs', `f${i}.txt`), `file ${i}\n`.repeat(i + 1));
    const data = join(dir, 'data');
    const env = {
      FERRY_CONFIG: join(dir, 'config'),
      FERRY_PASSWORD: 'alice-password-1',
      NODE_EXTRA_CA_CERTS: cert,
    };
    await ferryOk(['user', 'add', 'alice', '--data', data], env);
    relay = new FerryProcess(
      ['relay', '--data', data, '--port', '0', '--tls-cert', cert, '--tls-key', key],
      env,
    );
    const url = await relayUrlOf(relay);
    expect(url).toMatch(/^https:\/\//);

    // Without the certificate a client refuses the relay (and says so in one line).
    const { NODE_EXTRA_CA_CERTS: _ca, ...bare } = env;
    const refused = await ferry(['login', '--relay', url, '--user', 'alice'], bare);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('FERRY_TLS_UNTRUSTED');
    expect(refused.stderr).toContain('NODE_EXTRA_CA_CERTS');
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace

    await ferryOk(['login', '--relay', url, '--user', 'alice'], env);
    await ferryOk(['account', 'add', 'home', '--provider', 'local', '--set', `root=${source}`], env);
    const code = await pairingCode(env);
    const disk = join(dir, 'disk');
    device = new FerryProcess(
      ['device', '--relay', url, '--disk', disk, '--name', 'pi', '--pair', code, '--port', '0'],
      { ...env, FERRY_MIN_FREE: '1MB' },
    );
    await device.waitFor(/bound this disk as device pi of user alice/);
    await ferryOk(['container', 'add', 'box', '--account', 'home', '--device', 'pi'], env);
    const expected = await treeOf(source);
    await until(
      async () => {
        if (device?.child.exitCode !== null) throw new Error(`the device exited:\n${device?.tail()}`);
        const copied = await treeOf(join(disk, 'box')).catch(() => new Map());
        return copied.size === expected.size && [...expected].every(([p, h]) => copied.get(p) === h)
          ? true
          : undefined;
      },
      'every file on the disk',
      60_000,
      250,
    );
    // A stop in the middle of its work ends the device at once and cleanly (a stop that landed
    // just before the worker's idle wait once held it a minute).
    expect(await device.stop()).toBe(0);
  }, 120_000);
});
