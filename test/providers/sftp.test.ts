import { mkdir, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { type Entry, isFerryError } from '@ferry/core';
import { createProvider, SftpProvider, type SftpProviderInit } from '@ferry/core/providers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProviderConformance } from '../conformance/index.js';
import {
  CuttableProxy,
  freePort,
  type SftpServer,
  seedFolder,
  startRcloneSftp,
  startSshd,
} from './sftp-servers.js';

function login(server: SftpServer, extra: Partial<SftpProviderInit> = {}): SftpProviderInit {
  const init: SftpProviderInit = {
    host: '127.0.0.1',
    port: server.port,
    user: server.user,
    root: server.root,
  };
  if (server.privateKey !== undefined) init.privateKey = server.privateKey;
  if (server.password !== undefined) init.password = server.password;
  return { ...init, ...extra };
}

function fixtureFor(start: () => Promise<SftpServer>, extra: Partial<SftpProviderInit>) {
  return async () => {
    const server = await start();
    let provider: SftpProvider;
    try {
      provider = new SftpProvider(login(server, { hostKeySha256: server.hostKeySha256, ...extra }));
    } catch (error) {
      await server.stop(); // the suite only cleans up a fixture it got
      throw error;
    }
    return {
      provider,
      seed: (files: Parameters<typeof seedFolder>[1]) => seedFolder(server.data, files),
      remove: (path: string) => rm(join(server.data, ...path.split('/')), { recursive: true, force: true }),
      cleanup: () => server.stop(),
      openResources: () => provider.activeHandles,
    };
  };
}

// OpenSSH with key login, md5 over exec: every hash in the suite is checked against node:crypto.
runProviderConformance(
  'sftp (OpenSSH sshd, key login, remoteMd5)',
  fixtureFor(startSshd, { remoteMd5: true }),
);
// rclone with password login, the default: no hash, version = size + mtime.
runProviderConformance('sftp (rclone serve sftp, password login)', fixtureFor(startRcloneSftp, {}));

async function codeOf(action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
  } catch (error) {
    return isFerryError(error) ? error.code : `untyped: ${String(error)}`;
  }
  return 'no error';
}

async function errorOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

async function collect(iterable: AsyncIterable<Entry>): Promise<Map<string, Entry>> {
  const entries = new Map<string, Entry>();
  for await (const entry of iterable) entries.set(entry.path, entry);
  return entries;
}

describe('sftp provider against OpenSSH sshd', () => {
  let server: SftpServer;
  const opened: SftpProvider[] = [];
  const make = (extra: Partial<SftpProviderInit> = {}) => {
    const provider = new SftpProvider(login(server, extra));
    opened.push(provider);
    return provider;
  };

  beforeAll(async () => {
    server = await startSshd();
    await seedFolder(server.data, [
      { path: 'a.txt', bytes: new TextEncoder().encode('hello world\n'), mtime: 1_700_000_000_000 },
      { path: 'sub/b.txt', bytes: new TextEncoder().encode('bee\n') },
    ]);
    await writeFile(join(server.temp, 'outside.txt'), 'secret outside the root\n');
    await symlink(join(server.temp, 'outside.txt'), join(server.data, 'link-out.txt'));
    await symlink('a.txt', join(server.data, 'link-in.txt'));
    await symlink(server.temp, join(server.data, 'link-dir-out'));
    await symlink('sub', join(server.data, 'link-dir-in'));
  });

  afterAll(async () => {
    for (const provider of opened) await provider.close();
    await server?.stop();
  });

  it('pins the host key on first use and reports the fingerprint ssh-keygen prints', async () => {
    const seen: string[] = [];
    const provider = make({ onHostKey: (fingerprint) => seen.push(fingerprint) });
    const checked = await provider.checkLogin();
    expect(checked).toEqual({ hostKeySha256: server.hostKeySha256, root: server.data });
    expect(seen).toEqual([server.hostKeySha256]);
    expect(provider.hostKeySha256).toBe(server.hostKeySha256);
    expect(provider.learnedOptions()).toEqual({ hostKeySha256: server.hostKeySha256 });
  });

  it('accepts the right pinned fingerprint in any pasted form', async () => {
    const bare = server.hostKeySha256.slice('SHA256:'.length);
    const hex = Buffer.from(bare, 'base64').toString('hex');
    for (const form of [server.hostKeySha256, bare, `${bare}=`, hex])
      expect((await make({ hostKeySha256: form }).stat('a.txt')).size).toBe(12);
  });

  it('refuses a server whose host key does not match the pin, with AUTH naming both keys', async () => {
    const wrong = `SHA256:${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`;
    const error = await errorOf(() => make({ hostKeySha256: wrong }).stat('a.txt'));
    expect(isFerryError(error, 'AUTH')).toBe(true);
    expect((error as Error).message).toContain(server.hostKeySha256);
    expect((error as Error).message).toContain(wrong);
    expect((error as { hint?: string }).hint).toMatch(/hostKeySha256/);
  });

  it('refuses a malformed pin before connecting', () => {
    expect(() => make({ hostKeySha256: 'SHA256:not-a-fingerprint' })).toThrow(/hostKeySha256/);
  });

  it('answers AUTH for a key the server does not know, and for a private key it cannot parse', async () => {
    const other = await startSshd();
    try {
      const stranger = make({ privateKey: other.privateKey as string });
      expect(await codeOf(() => stranger.stat('a.txt'))).toBe('AUTH');
    } finally {
      await other.stop();
    }
    expect(await codeOf(() => make({ privateKey: 'not a key' }).stat('a.txt'))).toBe('BAD_PROVIDER_OPTIONS');
  });

  it('reads the key from privateKeyPath, and says so when that file is missing', async () => {
    const viaPath = new SftpProvider({
      ...login(server),
      privateKey: undefined,
      privateKeyPath: join(server.temp, 'client_key'),
    } as SftpProviderInit);
    opened.push(viaPath);
    expect((await viaPath.stat('sub/b.txt')).size).toBe(4);
    const missing = new SftpProvider({
      ...login(server),
      privateKey: undefined,
      privateKeyPath: join(server.temp, 'nope'),
    } as SftpProviderInit);
    opened.push(missing);
    expect(await codeOf(() => missing.stat('a.txt'))).toBe('BAD_PROVIDER_OPTIONS');
  });

  it('gives size and whole-second mtime without a hash by default', async () => {
    const entry = await make().stat('a.txt');
    expect(entry).toEqual({ path: 'a.txt', size: 12, mtime: 1_700_000_000_000, isDir: false });
  });

  it('hashes with md5sum over exec when remoteMd5 is on', async () => {
    const entry = await make({ remoteMd5: true }).stat('a.txt');
    // md5 of "hello world\n", as md5sum(1) prints it
    expect(entry.hash).toBe('6f5902ac237024bdd0c176cb93063dc4');
    expect(entry.hashType).toBe('md5');
  });

  it('never follows symbolic links: not listed, NOT_FOUND for stat and read, UNSAFE_PATH out of the root', async () => {
    const provider = make();
    const listed = await collect(provider.list(''));
    expect([...listed.keys()].sort()).toEqual(['a.txt', 'sub', 'sub/b.txt']);
    expect(await codeOf(() => provider.stat('link-in.txt'))).toBe('NOT_FOUND');
    expect(await codeOf(() => collect(provider.list('link-dir-in')))).toBe('NOT_FOUND');
    expect(
      await codeOf(async () => {
        for await (const _chunk of provider.read('link-out.txt'));
      }),
    ).toBe('NOT_FOUND');
    expect(await codeOf(() => provider.stat('link-dir-in/b.txt'))).toBe('NOT_FOUND');
    expect(await codeOf(() => provider.stat('link-dir-out/outside.txt'))).toBe('UNSAFE_PATH');
  });

  it('answers TRUNCATED when the file shrinks while it is read', async () => {
    const path = join(server.data, 'shrinks.bin');
    await writeFile(path, Buffer.alloc(4 * 1024 * 1024, 1));
    const provider = make();
    let got = 0;
    const error = await errorOf(async () => {
      for await (const chunk of provider.read('shrinks.bin')) {
        if (got === 0) await truncate(path, 100_000);
        got += chunk.length;
      }
    });
    expect(isFerryError(error, 'TRUNCATED'), String(error)).toBe(true);
    expect(got).toBeLessThan(4 * 1024 * 1024);
    expect(provider.activeHandles).toBe(0);
  });

  it('refuses to read a folder (BAD_INPUT) and to list a file (BAD_INPUT)', async () => {
    const provider = make();
    expect(
      await codeOf(async () => {
        for await (const _chunk of provider.read('sub'));
      }),
    ).toBe('BAD_INPUT');
    expect(await codeOf(() => collect(provider.list('a.txt')))).toBe('BAD_INPUT');
  });

  it('answers NOT_FOUND when the root folder does not exist', async () => {
    const provider = make({ root: join(server.temp, 'no-such-root') });
    expect(await codeOf(() => provider.stat('a.txt'))).toBe('NOT_FOUND');
    expect(await codeOf(() => provider.checkLogin())).toBe('NOT_FOUND');
  });

  it('uses one SSH connection for a listing with concurrent folder reads', async () => {
    await mkdir(join(server.data, 'wide'));
    await seedFolder(
      join(server.data, 'wide'),
      Array.from({ length: 40 }, (_, i) => ({ path: `d${i}/f.txt`, bytes: new Uint8Array([i]) })),
    );
    const proxy = new CuttableProxy(server.port);
    await proxy.start();
    try {
      const provider = make({ port: proxy.port, maxConcurrency: 4 });
      const listed = await collect(provider.list('wide'));
      expect(listed.size).toBe(80);
      expect(proxy.connections).toBe(1);
    } finally {
      await proxy.stop();
    }
  });

  it('answers TRANSIENT when the connection resets, and reconnects on the next call', async () => {
    const proxy = new CuttableProxy(server.port);
    await proxy.start();
    try {
      const provider = make({ port: proxy.port });
      expect((await provider.stat('a.txt')).size).toBe(12);
      const reading = (async () => {
        for await (const _chunk of provider.read('a.txt')) proxy.cut();
      })();
      proxy.cut();
      expect(await codeOf(() => reading)).toBe('TRANSIENT');
      expect((await provider.stat('sub/b.txt')).size).toBe(4);
      expect(proxy.connections).toBe(2);
    } finally {
      await proxy.stop();
    }
  });

  it('answers TRANSIENT when nobody listens, and when the server never greets', async () => {
    const refused = make({ port: await freePort(), readyTimeoutMs: 2000 });
    expect(await codeOf(() => refused.stat('a.txt'))).toBe('TRANSIENT');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const error = await errorOf(() => make({ port, readyTimeoutMs: 300 }).stat('a.txt'));
      expect(isFerryError(error, 'TRANSIENT'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/timed out/i);
    } finally {
      silent.close();
    }
  });

  it('stops a listing when its signal aborts, and lets go of its folder handles', async () => {
    const provider = make();
    const controller = new AbortController();
    const reason = new Error('user stopped');
    let seen = 0;
    const error = await errorOf(async () => {
      for await (const _entry of provider.list('', { signal: controller.signal }))
        if (++seen === 1) controller.abort(reason);
    });
    expect(error).toBe(reason);
    expect(seen).toBe(1);
    expect(provider.activeHandles).toBe(0);
  });

  it('reports the quota from statvfs', async () => {
    const quota = await make().quota();
    expect(quota.totalBytes).toBeGreaterThan(0);
    expect(quota.freeBytes).toBeGreaterThanOrEqual(0);
  });

  it('is built from string options by the registry, secrets and all', async () => {
    const provider = createProvider('sftp', {
      host: '127.0.0.1',
      port: String(server.port),
      user: server.user,
      privateKey: server.privateKey,
      root: server.data,
      hostKeySha256: server.hostKeySha256,
      remoteMd5: 'yes',
    });
    expect(provider).toBeInstanceOf(SftpProvider);
    expect(provider.capabilities.hashTypes).toEqual(['md5']);
    try {
      expect((await provider.stat('sub/b.txt')).hashType).toBe('md5');
    } finally {
      await provider.close?.();
    }
    expect(await codeOf(async () => createProvider('sftp', { host: 'h', user: 'u' }))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
  });

  it('fails every call after close()', async () => {
    const provider = make();
    expect((await provider.stat('a.txt')).size).toBe(12);
    await provider.close();
    expect(await codeOf(() => provider.stat('a.txt'))).not.toBe('no error');
  });
});

describe('sftp provider against rclone serve sftp', () => {
  let server: SftpServer;

  beforeAll(async () => {
    server = await startRcloneSftp();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('gives an empty quota when the server has no statvfs extension', async () => {
    const provider = new SftpProvider(login(server));
    try {
      expect(await provider.quota()).toEqual({});
    } finally {
      await provider.close();
    }
  });

  it('answers PERMISSION for a file the server may not read', async () => {
    const limited = await startRcloneSftp({ runAs: 'nobody' });
    const provider = new SftpProvider(login(limited));
    try {
      await writeFile(join(limited.data, 'secret.txt'), 'not for nobody\n', { mode: 0o600 });
      await writeFile(join(limited.data, 'open.txt'), 'for anyone\n', { mode: 0o644 });
      const read = async (path: string) => {
        const chunks: Uint8Array[] = [];
        for await (const chunk of provider.read(path)) chunks.push(chunk);
        return Buffer.concat(chunks).toString();
      };
      expect(await read('open.txt')).toBe('for anyone\n');
      const error = await errorOf(() => read('secret.txt'));
      expect(isFerryError(error, 'PERMISSION'), String(error)).toBe(true);
      expect(provider.activeHandles).toBe(0);
    } finally {
      await provider.close();
      await limited.stop();
    }
  });

  it('answers NOT_AVAILABLE for remoteMd5, whose md5sum takes no shell command line', async () => {
    await writeFile(join(server.data, 'hash-me.txt'), 'hello world\n');
    const provider = new SftpProvider(login(server, { remoteMd5: true }));
    try {
      const error = await errorOf(() => provider.stat('hash-me.txt'));
      expect(isFerryError(error, 'NOT_AVAILABLE'), String(error)).toBe(true);
      expect((error as { hint?: string }).hint).toMatch(/remoteMd5 off/);
    } finally {
      await provider.close();
    }
  });

  it('answers AUTH for a wrong password', async () => {
    const provider = new SftpProvider(login(server, { password: 'wrong' }));
    try {
      const error = await errorOf(() => provider.stat('x'));
      expect(isFerryError(error, 'AUTH')).toBe(true);
      expect(String((error as Error).message)).not.toContain('wrong');
    } finally {
      await provider.close();
    }
  });
});
