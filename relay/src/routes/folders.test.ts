import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Entry, FerryError, type Provider, type ProviderFactory } from '@ferry/core';
import { localProviderFactory } from '@ferry/core/providers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type TestRelay, testProvider, testRelay } from '../testing.js';
import { BROWSE_LIMITS, listFolders } from './folders.js';

/** Tokens the provider stops accepting after the account was saved (a revoked credential). */
const revoked = new Set<string>();

/**
 * A tree provider: 'Photos/2024/a.jpg', 'Photos/2025/b.jpg', 'Docs/x.txt', 'top.txt', with no
 * folder entries under Docs (an object store): its folders are implied by deeper paths.
 */
const treeProvider: ProviderFactory = {
  ...testProvider,
  name: 'tree',
  create(options) {
    const tree: Entry[] = [
      { path: 'Photos', size: 0, mtime: 1000, isDir: true },
      { path: 'Photos/2024', size: 0, mtime: 1000, isDir: true },
      { path: 'Photos/2024/a.jpg', size: 1, mtime: 1000, isDir: false },
      { path: 'Photos/2025', size: 0, mtime: 1000, isDir: true },
      { path: 'Photos/2025/b.jpg', size: 1, mtime: 1000, isDir: false },
      { path: 'Docs/Letters/x.txt', size: 1, mtime: 1000, isDir: false },
      { path: 'top.txt', size: 1, mtime: 1000, isDir: false },
    ];
    return {
      ...testProvider.create(options),
      async *list(folder) {
        if (revoked.has(String(options.token))) throw new FerryError('AUTH', 'token revoked');
        const prefix = folder === '' ? '' : `${folder}/`;
        const below = tree.filter((entry) => entry.path.startsWith(prefix));
        if (folder !== '' && below.length === 0) throw new FerryError('NOT_FOUND', `no ${folder}`);
        for (const entry of below) yield { ...entry, path: entry.path.slice(prefix.length) };
      },
    };
  },
};

let relay: TestRelay;
let dir: string;

async function call(url: string, token?: string) {
  const response = await relay.app.inject({
    method: 'GET',
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.statusCode, body: response.json() };
}

async function login(user: string): Promise<string> {
  const password = `${user}-password`;
  if (!(await relay.auth.hasUsers())) await relay.auth.setupFirstUser(user, password);
  else await relay.auth.addUser(user, password);
  const response = await relay.app.inject({ method: 'POST', url: '/api/login', payload: { user, password } });
  return response.json().token;
}

async function addAccount(token: string, name: string, provider: string, options: Record<string, string>) {
  const response = await relay.app.inject({
    method: 'POST',
    url: '/api/accounts',
    headers: { authorization: `Bearer ${token}` },
    payload: { name, provider, options },
  });
  expect(response.statusCode, response.body).toBe(201);
}

beforeEach(async () => {
  relay = await testRelay({ providers: [treeProvider, localProviderFactory] });
  dir = await mkdtemp(join(tmpdir(), 'ferry-folders-'));
  revoked.clear();
});
afterEach(async () => {
  await relay.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GET /api/accounts/:name/folders', () => {
  it('lists the direct subfolders of a folder, folder entries or implied by deeper paths', async () => {
    const alice = await login('alice');
    await addAccount(alice, 'box', 'tree', { root: '/r', token: 'good' });
    const root = await call('/api/accounts/box/folders', alice);
    expect(root).toEqual({ status: 200, body: { path: '', folders: ['Docs', 'Photos'], truncated: false } });
    const photos = await call('/api/accounts/box/folders?path=%2FPhotos%2F', alice);
    expect(photos.body).toEqual({ path: 'Photos', folders: ['2024', '2025'], truncated: false });
    const leaf = await call('/api/accounts/box/folders?path=Photos/2024', alice);
    expect(leaf.body).toEqual({ path: 'Photos/2024', folders: [], truncated: false });
  });

  it('browses a real local account', async () => {
    await mkdir(join(dir, 'Music', 'Live'), { recursive: true });
    await mkdir(join(dir, 'empty'));
    await writeFile(join(dir, 'Music', 'Live', 'song.flac'), 'la');
    await writeFile(join(dir, 'notes.txt'), 'n');
    const alice = await login('alice');
    await addAccount(alice, 'disk', 'local', { root: dir });
    expect((await call('/api/accounts/disk/folders', alice)).body.folders).toEqual(['empty', 'Music']);
    expect((await call('/api/accounts/disk/folders?path=Music', alice)).body.folders).toEqual(['Live']);
    const missing = await call('/api/accounts/disk/folders?path=Nope', alice);
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe("no folder 'Nope' in account 'disk'");
  });

  it("answers only the user's own accounts: another user's is 404, no session is 401", async () => {
    const alice = await login('alice');
    await addAccount(alice, 'box', 'tree', { root: '/r', token: 'good' });
    const bob = await login('bob');
    const other = await call('/api/accounts/box/folders', bob);
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('FERRY_NOT_FOUND');
    expect(JSON.stringify(other.body)).not.toContain('Photos');
    expect((await call('/api/accounts/box/folders')).status).toBe(401);
  });

  it('refuses a path that is not plain and an unknown query field with 400', async () => {
    const alice = await login('alice');
    await addAccount(alice, 'box', 'tree', { root: '/r', token: 'good' });
    for (const path of ['..', 'Photos/../..', 'Photos//2024', 'a\\b']) {
      const bad = await call(`/api/accounts/box/folders?path=${encodeURIComponent(path)}`, alice);
      expect(bad.status, path).toBe(400);
      expect(bad.body.error.code).toBe('FERRY_BAD_INPUT');
    }
    const extra = await call('/api/accounts/box/folders?path=&deep=1', alice);
    expect(extra.status).toBe(400);
  });

  it("reports a provider's AUTH refusal as the account's options, never as a 401", async () => {
    const alice = await login('alice');
    await addAccount(alice, 'box', 'tree', { root: '/r', token: 'soon-revoked' });
    revoked.add('soon-revoked');
    const refused = await call('/api/accounts/box/folders', alice);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('FERRY_BAD_PROVIDER_OPTIONS');
    expect(refused.body.error.hint).toContain('remove it and add it again');
  });
});

describe('listFolders', () => {
  const many = (count: number): Provider => ({
    ...testProvider.create({ root: '/r', token: 'good' }),
    async *list() {
      for (let i = 0; i < count; i++) yield { path: `f${i}/x`, size: 1, mtime: 1, isDir: false };
    },
  });

  it('stops after the entry or folder limit and says truncated', async () => {
    const byEntries = await listFolders(many(50), '', { ...BROWSE_LIMITS, entries: 10 });
    expect(byEntries.folders).toHaveLength(10);
    expect(byEntries.truncated).toBe(true);
    const byFolders = await listFolders(many(50), '', { ...BROWSE_LIMITS, folders: 3 });
    expect(byFolders).toMatchObject({ folders: ['f0', 'f1', 'f2'], truncated: true });
    expect((await listFolders(many(5), '', BROWSE_LIMITS)).truncated).toBe(false);
  });

  it('answers what it has when the provider goes silent, and aborts its listing', async () => {
    let aborted = false;
    const silent: Provider = {
      ...many(0),
      async *list(_folder, options) {
        yield { path: 'Early/x', size: 1, mtime: 1, isDir: false };
        options?.signal?.addEventListener('abort', () => {
          aborted = true;
        });
        // Ignores the signal: only the time limit ends the wait.
        await new Promise(() => undefined);
      },
    };
    const answer = await listFolders(silent, '', { ...BROWSE_LIMITS, ms: 50 });
    expect(answer).toEqual({ path: '', folders: ['Early'], truncated: true });
    expect(aborted).toBe(true);
  });
});
