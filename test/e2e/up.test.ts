import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ContainerStatus, FerryProcess, treeOf, until } from './harness.js';

/** `ferry up` (what `npm start` runs): relay and device in one process, first user from the panel's API. */
describe('ferry up', () => {
  let dir = '';
  let up: FerryProcess | undefined;
  afterAll(async () => {
    await up?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('binds its disk to the first user and backs up a local account', async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-up-'));
    const source = join(dir, 'source');
    await mkdir(join(source, 'deep/er'), { recursive: true });
    for (let i = 0; i < 30; i++)
      await writeFile(join(source, 'deep/er', `f${i}.txt`), `file ${i}\n`.repeat(i));
    const disk = join(dir, 'disk');
    up = new FerryProcess([
      'up',
      '--disk',
      disk,
      '--data',
      join(dir, 'data'),
      '--port',
      '0',
      '--min-free',
      '1MB',
    ]);
    const url = (/panel: (http:\/\/\S+)/.exec(await up.waitFor(/panel: http/)) as RegExpExecArray)[1];
    await up.waitFor(/no user yet/);

    const setup = await fetch(`${url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'owner', password: 'owner-password' }),
    });
    expect(setup.status).toBe(201);
    const { token } = (await setup.json()) as { token: string };
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return response.json() as Promise<Record<string, unknown>>;
    };
    await up.waitFor(/bound this disk as device \S+ of user owner/);
    const devices = (await call('GET', '/api/devices')).devices as { name: string; bound: boolean }[];
    expect(devices).toHaveLength(1);
    await call('POST', '/api/accounts', { name: 'here', provider: 'local', options: { root: source } });
    await call('POST', '/api/containers', { name: 'here', account: 'here', device: devices[0]?.name });
    await until(async () => {
      const { containers } = (await call('GET', '/api/status')) as { containers: ContainerStatus[] };
      const c = containers[0];
      return c && c.files > 0 && c.fetchedFiles === c.files ? c : undefined;
    }, 'the local account backed up');
    expect(await treeOf(join(disk, 'here'))).toEqual(await treeOf(source));
    expect(await up.stop()).toBe(0);
  }, 180_000);
});
