import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isFerryError, RateLimitedError } from '@ferry/core';
import { createProvider, parseRcloneTime, RcloneProvider, rcError } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingBinaries } from './dav-servers.js';

/** The rclone provider's rcd lifecycle and error mapping, with a real rclone on a temp rclone.conf. */

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    return isFerryError(error) ? error.code : `untyped: ${String(error)}`;
  }
  return 'no error';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exited(pid: number): Promise<void> {
  for (let i = 0; i < 200 && alive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

describe('rclone error words → typed errors', () => {
  const code = (status: number, error: string) => rcError('rclone: x', status, { error }, 'r:').code;
  it('maps rc answers by status and by the backend words rclone passes on', () => {
    expect(code(404, 'error in ListJSON: directory not found')).toBe('NOT_FOUND');
    expect(code(500, 'object not found')).toBe('NOT_FOUND');
    expect(code(500, "didn't find section in config file")).toBe('BAD_PROVIDER_OPTIONS');
    expect(code(500, "couldn't list: 401 Unauthorized: token expired")).toBe('AUTH');
    expect(code(500, 'oauth2: cannot fetch token: 400 Bad Request "invalid_grant"')).toBe('AUTH');
    expect(code(500, 'googleapi: Error 403: The user does not have sufficient permissions, forbidden')).toBe(
      'PERMISSION',
    );
    expect(rcError('rclone: x', 500, { error: 'Error 429: Too Many Requests' }, 'r:')).toBeInstanceOf(
      RateLimitedError,
    );
    expect(code(500, 'read tcp 127.0.0.1: connection reset by peer')).toBe('TRANSIENT');
  });

  it('reads rclone times to the millisecond, rounded', () => {
    expect(parseRcloneTime('2023-11-14T22:15:23.455999999Z')).toBe(Date.parse('2023-11-14T22:15:23.456Z'));
    expect(parseRcloneTime('2023-11-14T23:15:23+01:00')).toBe(Date.parse('2023-11-14T22:15:23Z'));
    expect(parseRcloneTime('yesterday')).toBeNaN();
  });
});

describe('rclone options', () => {
  it('refuses a remote that is not a plain name, and unknown hash types', async () => {
    expect(await codeOf(async () => createProvider('rclone', { remote: 'a:b' }))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
    expect(await codeOf(async () => createProvider('rclone', { remote: '--config=/etc/x' }))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
    expect(await codeOf(async () => createProvider('rclone', { remote: 'x', hash: 'whirlpool' }))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
    expect(await codeOf(async () => createProvider('rclone', {}))).toBe('BAD_PROVIDER_OPTIONS');
    expect((createProvider('rclone', { remote: 'gdrive:' }) as RcloneProvider).fs).toBe('gdrive:');
  });

  it('refuses an inline remote without a type, with a line that is not key = value, or beside config', async () => {
    const refusal = async (options: Record<string, string>) => {
      try {
        createProvider('rclone', { remote: 'r', ...options });
      } catch (error) {
        return error as Error & { code?: string };
      }
      throw new Error('accepted');
    };
    expect((await refusal({ remoteConfig: 'url = http://x' })).message).toContain('no `type = …` line');
    const badLine = await refusal({ remoteConfig: 'type = drive\ntoken {"refresh_token":"do-not-echo"}' });
    expect(badLine.code).toBe('BAD_PROVIDER_OPTIONS');
    expect(badLine.message).toContain('line 2');
    expect(badLine.message).not.toContain('do-not-echo');
    expect((await refusal({ remoteConfig: 'type = local', config: '/etc/rclone.conf' })).code).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
  });

  it('says BAD_PROVIDER_OPTIONS when the rclone binary is missing', async () => {
    const provider = new RcloneProvider({ remote: 'x', binary: '/nonexistent/rclone' });
    expect(await codeOf(() => provider.stat('a'))).toBe('BAD_PROVIDER_OPTIONS');
  });
});

describe.skipIf(missingBinaries('rclone').length > 0)('rclone rcd lifecycle (real rclone)', () => {
  let dir: string;
  let config: string;
  let data: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-rclone-life-'));
    config = join(dir, 'rclone.conf');
    data = join(dir, 'data');
    await mkdir(data);
    await writeFile(join(data, 'a.txt'), 'hello');
    await writeFile(config, '[loc]\ntype = local\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('starts rcd on first use, reads capabilities, and stops it on close', async () => {
    const provider = new RcloneProvider({ remote: 'loc', root: data, config });
    try {
      expect(await provider.rcdPid()).toBeUndefined();
      expect((await provider.stat('a.txt')).hash).toBe('5d41402abc4b2a76b9719d911017c592');
      expect(provider.capabilities.hashTypes).toEqual(['md5']);
      expect(provider.capabilities.mtimePrecisionMs).toBe(1);
      const pid = (await provider.rcdPid()) as number;
      expect(alive(pid)).toBe(true);
      await provider.close();
      expect(alive(pid)).toBe(false);
      expect(await provider.rcdPid()).toBeUndefined();
    } finally {
      await provider.close(); // a failed expectation must not leave an rcd behind
    }
  });

  it('runs an inline remote (remoteConfig) from a private rclone.conf, removed with its rcd', async () => {
    // As `rclone config show` prints it: the header names another remote, which does not matter.
    const provider = new RcloneProvider({
      remote: 'inline',
      root: data,
      remoteConfig: '[loc]\ntype = local\n',
    });
    try {
      expect((await provider.stat('a.txt')).size).toBe(5);
      const path = provider.privateConfigPath as string;
      expect(await readFile(path, 'utf8')).toBe('[inline]\ntype = local\n');
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);
      await provider.close();
      await expect(stat(dirname(path))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await provider.close();
    }
  });

  it('replaces an rcd that died (supervision)', async () => {
    const provider = new RcloneProvider({ remote: 'loc', root: data, config, hash: 'none' });
    try {
      await provider.start();
      const first = (await provider.rcdPid()) as number;
      process.kill(first, 'SIGKILL');
      await exited(first);
      // The call may race the exit notice: a refused connection is TRANSIENT, the retry works.
      const entry = await provider.stat('a.txt').catch(() => provider.stat('a.txt'));
      expect(entry).toMatchObject({ path: 'a.txt', size: 5 });
      expect(entry.hash).toBeUndefined();
      const second = (await provider.rcdPid()) as number;
      expect(second).not.toBe(first);
      expect(alive(second)).toBe(true);
    } finally {
      await provider.close();
    }
  });

  it('says BAD_PROVIDER_OPTIONS for a remote missing from rclone.conf, and stops that rcd', async () => {
    const provider = new RcloneProvider({ remote: 'nope', config });
    try {
      expect(await codeOf(() => provider.start())).toBe('BAD_PROVIDER_OPTIONS');
      expect(await provider.rcdPid()).toBeUndefined();
    } finally {
      await provider.close();
    }
  });

  it('refuses a hash type the remote does not offer', async () => {
    await writeFile(
      join(dir, 'dav.conf'),
      '[dav]\ntype = webdav\nurl = http://127.0.0.1:1/\nvendor = other\n',
    );
    const provider = new RcloneProvider({ remote: 'dav', config: join(dir, 'dav.conf'), hash: 'md5' });
    try {
      expect(await codeOf(() => provider.start())).toBe('BAD_PROVIDER_OPTIONS');
    } finally {
      await provider.close();
    }
  });

  it("takes a remote's capabilities from fsinfo: no hash, and 1 s when it cannot set mtimes", async () => {
    await writeFile(
      join(dir, 'dav.conf'),
      '[dav]\ntype = webdav\nurl = http://127.0.0.1:1/\nvendor = other\n',
    );
    const provider = new RcloneProvider({ remote: 'dav', config: join(dir, 'dav.conf') });
    try {
      await provider.start();
      expect(provider.capabilities).toEqual({
        hashTypes: [],
        mtimePrecisionMs: 1000,
        rangeReads: true,
        emptyFolders: true,
      });
    } finally {
      await provider.close();
    }
  });

  it('knows a remote without folders or About (rclone memory): no empty folders, quota {}', async () => {
    await writeFile(join(dir, 'mem.conf'), '[mem]\ntype = memory\n');
    const provider = new RcloneProvider({ remote: 'mem', config: join(dir, 'mem.conf') });
    try {
      expect(await provider.quota()).toEqual({});
      expect(provider.capabilities.emptyFolders).toBe(false);
      expect(provider.capabilities.hashTypes).toEqual(['md5']);
    } finally {
      await provider.close();
    }
  });

  it('reads a folder as BAD_INPUT and a missing file as NOT_FOUND', async () => {
    await mkdir(join(data, 'sub'), { recursive: true });
    const provider = new RcloneProvider({ remote: 'loc', root: data, config });
    try {
      const read = async (path: string, length?: number) => {
        for await (const _chunk of provider.read(path, { length })) {
        }
      };
      expect(await codeOf(() => read('sub'))).toBe('BAD_INPUT');
      expect(await codeOf(() => read('sub', 0))).toBe('BAD_INPUT');
      expect(await codeOf(() => read('missing.txt'))).toBe('NOT_FOUND');
      expect(await codeOf(() => read('missing.txt', 0))).toBe('NOT_FOUND');
      expect(provider.activeRequests).toBe(0);
    } finally {
      await provider.close();
    }
  });
});
