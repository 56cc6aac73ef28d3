import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceContainer } from './agent.js';
import { readContainers, writeContainers } from './containers-file.js';

const list: DeviceContainer[] = [
  {
    name: 'photos',
    folder: '',
    provider: 'webdav',
    options: { url: 'http://nas.local/dav', user: 'me', password: 'cloud-password-42' },
  },
];

describe('the container list kept on the disk', () => {
  let disk = '';
  const key = Buffer.alloc(32, 3);
  beforeEach(async () => {
    disk = await mkdtemp(join(tmpdir(), 'ferry-containers-'));
    await mkdir(join(disk, '.ferry'));
  });
  afterEach(async () => {
    await rm(disk, { recursive: true, force: true });
  });

  it('is sealed with the host key: no credential in the file, mode 0600, read back with the key', async () => {
    expect(await readContainers(disk, key)).toBeUndefined();
    await writeContainers(disk, key, list);
    const path = join(disk, '.ferry', 'containers.json');
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain('cloud-password-42');
    expect(text).not.toContain('nas.local');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readContainers(disk, key)).toEqual(list);
  });

  it('is unreadable on another host (another key), damaged, or in plain text', async () => {
    await writeContainers(disk, key, list);
    expect(await readContainers(disk, Buffer.alloc(32, 4))).toBe('unreadable');
    const path = join(disk, '.ferry', 'containers.json');
    await writeFile(path, '{"v":1,"iv":');
    expect(await readContainers(disk, key)).toBe('unreadable');
    await writeFile(path, JSON.stringify({ containers: list }));
    expect(await readContainers(disk, key)).toBe('unreadable');
  });
});
