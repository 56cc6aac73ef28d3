import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

const MESSAGE_SYNC = 0;
/** Origin of changes that came from the relay: not sent back. */
export const FROM_RELAY = Symbol('from-relay');

export interface ClientOptions {
  /** ws://host:port of the relay. */
  url: string;
  docName: string;
  token?: string;
  /** Send the token as `Authorization: Bearer` instead of `?token=`. */
  tokenVia?: 'query' | 'header';
  /** The local replica; a fresh doc if absent (pass the old one to reconnect). */
  doc?: Y.Doc;
  /** Extra handshake headers (cookie, origin). */
  headers?: Record<string, string>;
}

/**
 * A minimal y-websocket peer for tests (the device's DocLink speaks the same protocol): sends
 * sync step 1 on open, answers the relay's step 1, sends local changes, and counts what it gets.
 */
export class TestSyncClient {
  readonly doc: Y.Doc;
  readonly socket: WebSocket;
  /** Bytes and messages received from the relay. */
  bytesReceived = 0;
  messagesReceived = 0;
  /** Size of each step 2 the relay sent (the first answers our opening step 1). */
  readonly step2Sizes: number[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #answers: (() => void)[] = [];
  readonly #onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin !== FROM_RELAY) this.#send((encoder) => syncProtocol.writeUpdate(encoder, update));
  };

  constructor(options: ClientOptions) {
    this.doc = options.doc ?? new Y.Doc();
    const query =
      options.token && options.tokenVia !== 'header' ? `?token=${encodeURIComponent(options.token)}` : '';
    const headers = {
      ...options.headers,
      ...(options.token && options.tokenVia === 'header' ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.socket = new WebSocket(`${options.url}/sync/${options.docName}${query}`, { headers });
    this.socket.binaryType = 'nodebuffer';
    this.closed = new Promise((resolve) =>
      this.socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.socket.on('error', () => undefined); // the close event tells the tests what happened
    this.socket.on('open', () => this.#askRelay(() => undefined));
    this.socket.on('message', (data: Buffer) => this.#receive(new Uint8Array(data)));
    this.doc.on('update', this.#onUpdate);
  }

  /** Resolves after the first exchange (our step 1 answered), rejects if the socket closes first. */
  synced(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.step2Sizes.length > 0) return resolve();
      const timer = setInterval(() => {
        if (this.step2Sizes.length > 0) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
      void this.closed.then(({ code, reason }) => {
        clearInterval(timer);
        reject(new Error(`closed ${code} ${reason}`));
      });
    });
  }

  /** A step 1 round trip: the relay has handled (and saved) everything sent before it. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.#askRelay(resolve));
  }

  /** Sends raw bytes (malformed or oversize messages). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.doc.off('update', this.#onUpdate);
    this.socket.close(1000, 'done');
    return this.closed;
  }

  #askRelay(answer: () => void): void {
    this.#answers.push(answer);
    this.#send((encoder) => syncProtocol.writeSyncStep1(encoder, this.doc));
  }

  #receive(message: Uint8Array): void {
    this.bytesReceived += message.byteLength;
    this.messagesReceived++;
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, FROM_RELAY);
    if (encoding.length(encoder) > 1) this.socket.send(encoding.toUint8Array(encoder));
    if (kind === syncProtocol.messageYjsSyncStep2) {
      this.step2Sizes.push(message.byteLength);
      this.#answers.shift()?.();
    }
  }

  #send(write: (encoder: encoding.Encoder) => void): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    write(encoder);
    this.socket.send(encoding.toUint8Array(encoder));
  }
}

/** Polls until `done()` holds (real time; sockets need it), failing after `ms`. */
export async function waitFor(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
