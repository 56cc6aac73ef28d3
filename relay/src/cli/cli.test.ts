import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliIo, COMMANDS, type FlagValue, type ParsedCommand } from '@ferry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapDocs } from '../crawler/testing.js';
import { type RunningRelay, startRelay } from '../server.js';
import {
  runAccountAdd,
  runAccountList,
  runAccountRemove,
  runAccountUpdate,
  runContainerAdd,
  runContainerList,
  runContainerRemove,
  runCrawl,
  runDevicesList,
  runDevicesRename,
  runDevicesUnbind,
  runLogin,
  runPair,
  runStatus,
} from './client-commands.js';
import { relayRunner } from './relay-command.js';
import { LOGIN_FILE } from './session-file.js';
import { runUserAdd } from './user-add.js';

function parsed(name: string, flags: Record<string, FlagValue>, positionals: Record<string, string> = {}) {
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new Error(`no command ${name}`);
  return { kind: 'run', command, flags, positionals, sources: {} } as ParsedCommand;
}

function io(env: Record<string, string> = {}) {
  const out: string[] = [];
  const value: CliIo = {
    stdout: { write: (text: string) => out.push(text) },
    stderr: { write: (text: string) => out.push(text) },
    stdin: Object.assign((async function* () {})(), { isTTY: true }),
    env,
    signal: new AbortController().signal,
  };
  return { io: value, text: () => out.join('') };
}

describe('relay CLI runners against a listening relay', () => {
  let dir = '';
  let relay: RunningRelay;
  let config = '';
  let client: Record<string, FlagValue>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    config = join(dir, 'config');
    const data = join(dir, 'data');
    const add = io({ FERRY_PASSWORD: 'alice-password' });
    expect(await runUserAdd(parsed('user add', { data }, { NAME: 'alice' }), add.io)).toBe(0);
    await expect(
      runUserAdd(parsed('user add', { data }, { NAME: 'alice' }), io({ FERRY_PASSWORD: 'x-password' }).io),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const docs = new MapDocs();
    relay = await startRelay({
      dataDir: data,
      host: '127.0.0.1',
      port: 0,
      crawlIntervalMs: 24 * 3600 * 1000,
      groupSize: 100,
      logger: false,
      openDocStore: () => ({ get: (n) => docs.get(n), has: (n) => docs.has(n), close: async () => {} }),
    });
    client = { relay: relay.url, config };
  });
  afterAll(async () => {
    await relay?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs in, pairs, adds an account and a container, crawls, shows status and removes', async () => {
    await expect(runPair(parsed('pair', client), io().io)).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const login = io({ FERRY_PASSWORD: 'alice-password' });
    expect(await runLogin(parsed('login', { ...client, user: 'alice' }), login.io)).toBe(0);
    expect(login.text()).not.toContain('fs_');
    expect((await stat(join(config, LOGIN_FILE))).mode & 0o777).toBe(0o600);
    await expect(
      runLogin(parsed('login', { ...client, user: 'alice' }), io({ FERRY_PASSWORD: 'wrong-password' }).io),
    ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    const pair = io();
    await runPair(parsed('pair', client), pair.io);
    const code = pair.text().split('\n')[0] ?? '';
    const paired = await fetch(new URL('/api/devices/pair', relay.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, device: 'pi' }),
    });
    expect(paired.status).toBe(201);

    await expect(
      runAccountAdd(
        parsed('account add', { ...client, provider: 'nope', set: [] }, { NAME: 'mem' }),
        io().io,
      ),
    ).rejects.toMatchObject({ code: 'UNKNOWN_PROVIDER' });
    await expect(
      runAccountAdd(
        parsed('account add', { ...client, provider: 'memory', set: ['failAuth=true'] }, { NAME: 'mem' }),
        io().io,
      ),
    ).rejects.toMatchObject({ code: 'BAD_PROVIDER_OPTIONS' });
    const added = io();
    await runAccountAdd(
      parsed('account add', { ...client, provider: 'memory', set: ['files=250'] }, { NAME: 'mem' }),
      added.io,
    );
    // In place: a refused update changes nothing, a good one keeps the options it does not name.
    const update = (set: string[], unset: string[] = []) =>
      runAccountUpdate(parsed('account update', { ...client, set, unset }, { NAME: 'mem' }), io().io);
    await expect(update(['failAuth=true'])).rejects.toMatchObject({ code: 'BAD_PROVIDER_OPTIONS' });
    await expect(update([])).rejects.toMatchObject({ code: 'USAGE' });
    await expect(update(['seed=2'], ['seed'])).rejects.toMatchObject({ code: 'USAGE' });
    const updated = io();
    await runAccountUpdate(
      parsed('account update', { ...client, set: ['seed=2'], unset: [] }, { NAME: 'mem' }),
      updated.io,
    );
    expect(updated.text()).toContain('account mem updated');
    const accounts = io();
    await runAccountList(parsed('account list', client), accounts.io);
    expect(accounts.text()).toMatch(/mem\s+memory/);

    await runContainerAdd(
      parsed('container add', { ...client, account: 'mem', device: 'pi', folder: '/' }, { NAME: 'box' }),
      io().io,
    );
    const containers = io();
    await runContainerList(parsed('container list', client), containers.io);
    expect(containers.text()).toMatch(/box\s+mem\s+\/\s+pi\s+100/);
    await runCrawl(parsed('crawl', client, { NAME: 'box' }), io().io);

    // The first crawl runs in the background: wait until the status shows its result.
    let status: { containers: { files: number; groups: number; lastCrawl: number | null }[] } = {
      containers: [],
    };
    for (let i = 0; i < 100 && !status.containers[0]?.lastCrawl; i++) {
      const out = io();
      await runStatus(parsed('status', { ...client, json: true }), out.io);
      status = JSON.parse(out.text());
      if (!status.containers[0]?.lastCrawl) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status.containers[0]).toMatchObject({ files: expect.any(Number), groups: 3 });
    expect(status.containers[0]?.files).toBeGreaterThanOrEqual(250);
    const table = io();
    await runStatus(parsed('status', { ...client, json: false }), table.io);
    expect(table.text()).toContain('CONTAINER');
    expect(table.text()).toMatch(/pi\s+(yes|no)/);
    // A display label shows beside the name (the name is what commands take).
    const renamed = io();
    await runDevicesRename(
      parsed('devices rename', { ...client, label: 'Garage Pi' }, { NAME: 'pi' }),
      renamed.io,
    );
    expect(renamed.text()).toContain('device pi is now shown as "Garage Pi"');
    const labelled = io();
    await runStatus(parsed('status', { ...client, json: false }), labelled.io);
    expect(labelled.text()).toMatch(/pi "Garage Pi"\s+(yes|no)/);
    await expect(
      runDevicesRename(
        parsed('devices rename', { ...client, label: 'x'.repeat(65) }, { NAME: 'pi' }),
        io().io,
      ),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const listed = io();
    await runDevicesList(parsed('devices list', client), listed.io);
    expect(listed.text()).toMatch(/pi\s+Garage Pi\s+yes/);

    await expect(
      runAccountRemove(parsed('account remove', client, { NAME: 'mem' }), io().io),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await runContainerRemove(parsed('container remove', client, { NAME: 'box' }), io().io);
    await runAccountRemove(parsed('account remove', client, { NAME: 'mem' }), io().io);

    // A lost disk: its token stops working at once.
    await expect(
      runDevicesUnbind(parsed('devices unbind', client, { NAME: 'nope' }), io().io),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const unbound = io();
    await runDevicesUnbind(parsed('devices unbind', client, { NAME: 'pi' }), unbound.io);
    expect(unbound.text()).toContain('device pi unbound');
    const after = io();
    await runDevicesList(parsed('devices list', client), after.io);
    expect(after.text()).toMatch(/pi\s+Garage Pi\s+no \(pair again\)/);
  });
});

describe('ferry relay runner', () => {
  it('listens, logs its address, and stops on the signal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-relay-run-'));
    try {
      const docs = new MapDocs();
      const run = relayRunner({
        openDocStore: () => ({ get: (n) => docs.get(n), has: (n) => docs.has(n), close: async () => {} }),
      });
      const stop = new AbortController();
      const lines: string[] = [];
      const running = run(
        parsed('relay', {
          data: join(dir, 'data'),
          host: '127.0.0.1',
          port: 0,
          'crawl-interval': 3_600_000,
          'group-size': 10,
        }),
        { ...io().io, stdout: { write: (line: string) => lines.push(line) }, signal: stop.signal },
      );
      while (!lines.some((line) => line.includes('relay listening')))
        await new Promise((resolve) => setTimeout(resolve, 10));
      const url = JSON.parse(lines.find((line) => line.includes('relay listening')) ?? '{}').url;
      const setup = await fetch(new URL('/api/setup', url));
      expect(await setup.json()).toEqual({ hasUser: false });
      stop.abort();
      expect(await running).toBe(0);
      await expect(fetch(new URL('/api/setup', url))).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
