import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RelayClient } from '../../device/src/relay-client.js';
import { type TestRelay, testRelay } from '../../relay/src/testing.js';
import { waitFor } from './rig.js';

/**
 * The device's client against a listening relay: a wait on the container list it holds ends when
 * the user adds a container for it, with the new list; a stop of the device ends the wait.
 */
describe('a device waiting on its container list', () => {
  let relay: TestRelay;
  let url = '';
  let userToken = '';

  beforeEach(async () => {
    relay = await testRelay();
    await relay.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(relay.app.server.address() as AddressInfo).port}`;
    await relay.auth.setupFirstUser('alice', 'alice-password');
    userToken = (await api('POST', '/api/login', { user: 'alice', password: 'alice-password' })).token;
  });
  afterEach(async () => {
    await relay.close();
  });

  async function api(method: string, path: string, body?: unknown) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(userToken ? { authorization: `Bearer ${userToken}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  const untilWaiting = (count: number) =>
    waitFor(() => relay.changes.size === count, `${count} requests waiting on the relay`, 5_000);

  async function pairedClient(): Promise<RelayClient> {
    const { code } = await api('POST', '/api/pairing-codes');
    const { token } = await new RelayClient(url).pair(code, 'pi');
    return new RelayClient(url, token);
  }

  it('ends with the new list when a container is added for the device', async () => {
    const client = await pairedClient();
    await api('POST', '/api/accounts', {
      name: 'box',
      provider: 'fake',
      options: { root: '/r', token: 'good' },
    });
    const first = await client.containers();
    expect(first.containers).toEqual([]);
    const waiting = client.containers(first.version);
    await untilWaiting(1);
    await api('POST', '/api/containers', { name: 'photos', account: 'box', device: 'pi' });
    const next = await waiting;
    expect(next.containers.map((c) => c.name)).toEqual(['photos']);
    expect(next.version).not.toBe(first.version);
    await untilWaiting(0);
  });

  it('ends when the device stops waiting, and the relay lets the request go', async () => {
    const client = await pairedClient();
    const { version } = await client.containers();
    const stop = new AbortController();
    const waiting = client.containers(version, stop.signal);
    await untilWaiting(1);
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'TRANSIENT' });
    await untilWaiting(0);
  });
});
