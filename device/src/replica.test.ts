import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { StringStore } from './ledger.js';
import { SyncedReplica } from './replica.js';

/** A port nothing listens on: connections are refused at once, as with a relay that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function memoryStore(): StringStore & { keys(): AsyncIterable<string>; map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    get: async (key) => map.get(key),
    put: async (key, value) => void map.set(key, value),
    del: async (key) => void map.delete(key),
    async *keys() {
      yield* [...map.keys()];
    },
  };
}

let replica: SyncedReplica | undefined;
afterEach(async () => {
  await replica?.closeAll();
  replica = undefined;
});

describe('SyncedReplica with the relay down', () => {
  it('works from the disk copy without waiting out the sync timeout, and marks edits dirty', async () => {
    const docs = new Map<string, Y.Doc>();
    const dirty = memoryStore();
    replica = new SyncedReplica({
      docs: { get: async (name) => docs.get(name) ?? (docs.set(name, new Y.Doc()).get(name) as Y.Doc) },
      dirty,
      relay: { url: `ws://127.0.0.1:${await deadPort()}`, token: 't' },
      // Far longer than the test's own timeout: waiting it out would fail the test.
      syncTimeoutMs: 60_000,
    });
    for (let group = 0; group < 20; group++) {
      const doc = await replica.open(`c/x/g/${group}`);
      doc.getMap('receipts/pi').set('a', 'v');
      await replica.close(`c/x/g/${group}`);
    }
    expect(dirty.map.size).toBe(20);
    expect(await replica.refresh('c/x/g/0')).toBe(false);
  });
});
