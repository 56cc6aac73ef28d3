import type { AddressInfo } from 'node:net';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { DocLink } from './doc-link.js';

let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/**
 * A relay stand-in speaking the y-websocket sync protocol over a real socket, that first sends
 * `garbage` on each new connection (up to `badConnections` times).
 */
async function relay(relayDoc: Y.Doc, garbage: Uint8Array | string, badConnections: number) {
  let connections = 0;
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (socket) => {
    connections++;
    if (connections <= badConnections) socket.send(garbage);
    socket.on('message', (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      decoding.readVarUint(decoder);
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.readSyncMessage(decoder, encoder, relayDoc, 'client');
      if (encoding.length(encoder) > 1) socket.send(encoding.toUint8Array(encoder));
    });
  });
  await new Promise((resolve) => server?.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, connections: () => connections };
}

describe('DocLink', () => {
  it.each([
    ['a truncated sync step 1', new Uint8Array([0, 0, 0])],
    ['an empty message', new Uint8Array([])],
    ['a text message', 'hello'],
  ])('survives %s from the relay, reconnects and syncs', async (_what, garbage) => {
    const relayDoc = new Y.Doc();
    relayDoc.getMap('entries').set('a.txt', { s: 1 });
    const { url, connections } = await relay(relayDoc, garbage, 1);
    const doc = new Y.Doc();
    const errors: string[] = [];
    const link = new DocLink({
      relayUrl: url,
      token: 't',
      docName: 'c/x/g/0',
      doc,
      retryMs: 20,
      onError: (message) => errors.push(message),
    });
    // The bad connection is dropped; the link comes back on a second one and syncs there.
    while (connections() < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await link.synced();
    expect(link.current).toBe('synced');
    expect(doc.getMap('entries').toJSON()).toEqual({ 'a.txt': { s: 1 } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/unreadable message from the relay on c\/x\/g\/0/);
    expect(connections()).toBe(2);
    link.close();
  });
});
