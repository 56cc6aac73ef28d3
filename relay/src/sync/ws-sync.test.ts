import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  deviceDocName,
  entriesMap,
  groupDocName,
  groupsMap,
  indexDocName,
  progressDocName,
  receiptsMap,
  writeCrawlState,
  writeEntries,
  writeGroupSummaries,
  writeReceipt,
} from '@ferry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTables, type RelayDb } from '../db.js';
import { type RunningRelay, startRelay } from '../server.js';
import { LevelDocStore } from './doc-store.js';
import { TestSyncClient, waitFor } from './testing.js';
import { createSyncRoutes } from './ws-sync.js';

const GROUPS = 10;
const PER_GROUP = 10_000;
const PASSWORD = 'correct horse battery';

let dir: string;
let relay: RunningRelay;
let store: LevelDocStore;
let relayDb: RelayDb;
const logLines: string[] = [];
let wsUrl: string;
const tokens = { ann: '', bob: '', disk1: '', disk2: '' };

async function start(): Promise<void> {
  relay = await startRelay({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    crawlIntervalMs: 24 * 3600 * 1000,
    groupSize: PER_GROUP,
    logger: { level: 'info', stream: { write: (line: string) => logLines.push(line) } },
    openDocStore: (db) => {
      relayDb = db;
      store = LevelDocStore.open(db);
      return store;
    },
    sync: createSyncRoutes({ recheckEveryMs: 50 }),
    env: {},
  });
  wsUrl = relay.url.replace(/^http/, 'ws');
}

const client = (
  docName: string,
  token: string | undefined,
  extra: { tokenVia?: 'header'; headers?: Record<string, string> } = {},
) => new TestSyncClient({ url: wsUrl, docName, token, ...extra });

/** Opens a doc as a device/user would, waiting for the first exchange. */
async function synced(docName: string, token: string): Promise<TestSyncClient> {
  const peer = client(docName, token);
  await peer.synced();
  return peer;
}

/** The container as the crawler leaves it: index with summaries, GROUPS group docs of entries. */
async function crawlInProcess(container: string): Promise<void> {
  const index = await store.get(indexDocName(container));
  for (let group = 0; group < GROUPS; group++) {
    const doc = await store.get(groupDocName(container, group));
    writeEntries(
      doc,
      Array.from({ length: PER_GROUP }, (_, i) => ({
        path: `g${group}/file-${i}.bin`,
        size: i,
        mtime: 1_700_000_000_000,
        isDir: false,
      })),
    );
    writeGroupSummaries(index, [[group, { files: PER_GROUP, bytes: 1, generation: 1 }]]);
  }
  // A finished crawl: the scheduler waits a whole interval before the next one.
  writeCrawlState(index, { generation: 1, lastCrawlEnd: Date.now(), running: false });
  await store.flush();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sync-'));
  await start();
  for (const user of ['ann', 'bob'] as const) {
    await relay.auth.addUser(user, PASSWORD);
    tokens[user] = (await relay.auth.login(user, PASSWORD, '127.0.0.1')).token;
  }
  tokens.disk1 = (await relay.auth.bindOwnDevice('ann', 'disk1')).token;
  tokens.disk2 = (await relay.auth.bindOwnDevice('bob', 'disk2')).token;
  const containers = apiTables(relayDb.level).containers;
  const record = {
    account: 'acct',
    folder: '',
    groupSize: PER_GROUP,
    crawlIntervalMs: 24 * 3600 * 1000,
    createdAt: 1,
  };
  await containers.put('box', { ...record, name: 'box', user: 'ann', device: 'disk1' });
  await containers.put('crate', { ...record, name: 'crate', user: 'bob', device: 'disk2' });
  await crawlInProcess('box');
}, 60_000);

afterAll(async () => {
  await relay?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('websocket sync on a listening relay', () => {
  it('syncs a 100k-entry container to its device, group by group', async () => {
    const index = await synced(indexDocName('box'), tokens.disk1);
    expect(groupsMap(index.doc).size).toBe(GROUPS);
    await index.close();
    let total = 0;
    for (let group = 0; group < GROUPS; group++) {
      const peer = await synced(groupDocName('box', group), tokens.disk1);
      total += entriesMap(peer.doc).size;
      await peer.close();
    }
    expect(total).toBe(GROUPS * PER_GROUP);
  });

  it("stores a device's receipts, shows them to the panel, and passes the crawler's changes on", async () => {
    const name = groupDocName('box', 0);
    const device = await synced(name, tokens.disk1);
    const panel = await synced(name, tokens.ann);
    for (let i = 0; i < 100; i++)
      writeReceipt(device.doc, 'disk1', `g0/file-${i}.bin`, `s${i}-m1700000000000`);
    await device.flush();
    const relayDoc = await store.get(name);
    expect(receiptsMap(relayDoc, 'disk1').size).toBe(100);
    expect(store.pending(name)).toBe(0); // the answer to the flush waited for the disk
    await waitFor(() => receiptsMap(panel.doc, 'disk1').size === 100, 'receipts at the panel');

    writeEntries(relayDoc, [{ path: 'g0/new.bin', size: 5, mtime: 1, isDir: false }]);
    await waitFor(() => entriesMap(device.doc).has('g0/new.bin'), 'crawler change at the device');
    await waitFor(() => entriesMap(panel.doc).has('g0/new.bin'), 'crawler change at the panel');
    await Promise.all([device.close(), panel.close()]);
  });

  it("refuses every one of ann's docs to bob's session and device before sending any state", async () => {
    const names = [
      indexDocName('box'),
      groupDocName('box', 0),
      progressDocName('box', 'disk1'),
      deviceDocName('disk1'),
    ];
    for (const token of [tokens.bob, tokens.disk2])
      for (const name of names) {
        const peer = client(name, token);
        expect(await peer.closed).toEqual({ code: 4403, reason: 'not your document' });
        expect(peer.messagesReceived).toBe(0);
      }
    // A device sees its own container's docs, not another device's status.
    const own = client(deviceDocName('disk2'), tokens.disk1);
    expect((await own.closed).code).toBe(4403);
  });

  it('refuses a missing or wrong token with 4401 and an off-layout name with 4400', async () => {
    const none = client(indexDocName('box'), undefined);
    expect(await none.closed).toEqual({ code: 4401, reason: 'token required' });
    const wrong = client(indexDocName('box'), 'fd_not-a-real-token');
    expect(await wrong.closed).toEqual({ code: 4401, reason: 'invalid or expired token' });
    const bad = client('c/box/x/1', tokens.ann);
    expect(await bad.closed).toEqual({ code: 4400, reason: 'not a Ferry document name' });
    for (const peer of [none, wrong, bad]) expect(peer.messagesReceived).toBe(0);
    // The bearer header works as well as the query parameter.
    const header = client(indexDocName('box'), tokens.ann, { tokenVia: 'header' });
    await header.synced();
    await header.close();
    // The panel's session cookie: from the relay's own pages only.
    const host = new URL(relay.url).host;
    const cookie = `ferry_session=${tokens.ann}`;
    const own = client(indexDocName('box'), undefined, { headers: { cookie, origin: `http://${host}` } });
    await own.synced();
    await own.close();
    const foreign = client(indexDocName('box'), undefined, {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(await foreign.closed).toEqual({ code: 4401, reason: 'token required' });
    expect(foreign.messagesReceived).toBe(0);
  });

  it("drops a device's writes to entries or another device's receipts, and logs them without the token", async () => {
    const name = groupDocName('box', 1);
    const device = await synced(name, tokens.disk1);
    const relayDoc = await store.get(name);
    const before = { entries: entriesMap(relayDoc).size, other: receiptsMap(relayDoc, 'disk2').size };
    logLines.length = 0;

    entriesMap(device.doc).set('evil.bin', { s: 1, m: 1 });
    await device.flush();
    receiptsMap(device.doc, 'disk2').set('g1/file-0.bin', 'forged');
    entriesMap(device.doc).delete('g1/file-1.bin');
    await device.flush();
    expect(entriesMap(relayDoc).size).toBe(before.entries);
    expect(entriesMap(relayDoc).has('evil.bin')).toBe(false);
    expect(entriesMap(relayDoc).has('g1/file-1.bin')).toBe(true);
    expect(receiptsMap(relayDoc, 'disk2').size).toBe(before.other);
    expect(device.socket.readyState).toBe(device.socket.OPEN); // dropped, not disconnected

    // A session writes nothing.
    const panel = await synced(name, tokens.ann);
    writeReceipt(panel.doc, 'disk1', 'g1/file-2.bin', 'from-the-panel');
    await panel.flush();
    expect(receiptsMap(relayDoc, 'disk1').has('g1/file-2.bin')).toBe(false);

    const refused = logLines
      .filter((line) => line.includes('sync update refused'))
      .map((line) => JSON.parse(line));
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused[0]).toMatchObject({ doc: name, device: 'disk1', reason: "writes to 'entries'" });
    expect(refused.some((line) => line.user === 'ann' && line.device === undefined)).toBe(true);
    for (const token of Object.values(tokens)) expect(logLines.join('\n')).not.toContain(token);
    await Promise.all([device.close(), panel.close()]);
  });

  it('closes an oversize message with 1009 and a reason', async () => {
    const peer = await synced(deviceDocName('disk1'), tokens.disk1);
    peer.sendRaw(new Uint8Array(16 * 1024 * 1024 + 1));
    const { code, reason } = await peer.closed;
    expect(code).toBe(1009);
    expect(reason).toBe('message over 16777216 bytes');
  });

  it("shows a device online while it holds a socket (the status route's isOnline)", async () => {
    const online = async () => {
      const response = await relay.app.inject({
        method: 'GET',
        url: '/api/status',
        headers: { authorization: `Bearer ${tokens.ann}` },
      });
      return (response.json() as { devices: { name: string; online: boolean }[] }).devices.find(
        (device) => device.name === 'disk1',
      )?.online;
    };
    const peer = await synced(deviceDocName('disk1'), tokens.disk1);
    expect(await online()).toBe(true);
    await peer.close();
    // The socket's close reaches the relay a moment later.
    let now = await online();
    for (let i = 0; i < 500 && now; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      now = await online();
    }
    expect(now).toBe(false);
  });

  it('closes open sockets once the records withdraw the access (logout, unbound device)', async () => {
    const session = (await relay.auth.login('bob', PASSWORD, '127.0.0.1')).token;
    const panel = await synced(deviceDocName('disk2'), session);
    await relay.auth.logout(session);
    expect(await panel.closed).toEqual({ code: 4401, reason: 'token no longer valid' });

    const spare = (await relay.auth.bindOwnDevice('bob', 'disk9')).token;
    const status = await synced(deviceDocName('disk9'), spare);
    await relay.auth.removeDevice('bob', 'disk9');
    expect(await status.closed).toEqual({ code: 4401, reason: 'token no longer valid' });

    const containers = apiTables(relayDb.level).containers;
    const crate = await containers.get('crate');
    const index = await synced(indexDocName('crate'), tokens.disk2);
    await containers.put('crate', { ...(crate as NonNullable<typeof crate>), device: 'disk8' });
    expect(await index.closed).toEqual({ code: 4403, reason: 'not your document' });
    await containers.put('crate', crate as NonNullable<typeof crate>);
  });

  it('keeps everything across a relay restart; a reconnecting device gets only a small diff', async () => {
    const name = groupDocName('box', 2);
    const device = await synced(name, tokens.disk1);
    for (let i = 0; i < 50; i++)
      writeReceipt(device.doc, 'disk1', `g2/file-${i}.bin`, `s${i}-m1700000000000`);
    await device.flush();
    const firstStep2 = device.step2Sizes[0] as number;
    expect(firstStep2).toBeGreaterThan(100_000); // the whole group came once
    await device.close();

    await relay.close();
    // Made while the relay is down: they must reach it after the restart.
    writeReceipt(device.doc, 'disk1', 'g2/file-99.bin', 'offline-receipt');
    await start();

    const again = new TestSyncClient({ url: wsUrl, docName: name, token: tokens.disk1, doc: device.doc });
    await again.synced();
    await again.flush();
    expect(again.step2Sizes[0]).toBeLessThan(1_000);
    const relayDoc = await store.get(name);
    expect(entriesMap(relayDoc).size).toBe(PER_GROUP);
    expect(receiptsMap(relayDoc, 'disk1').size).toBe(51);
    expect(receiptsMap(relayDoc, 'disk1').get('g2/file-99.bin')).toBe('offline-receipt');
    // Receipts written earlier to group 0 (another test) survived too.
    expect(receiptsMap(await store.get(groupDocName('box', 0)), 'disk1').size).toBe(100);
    await again.close();
  });
});
