import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';

const MESSAGE_SYNC = 0;
/** Transaction origin of updates that came from the relay: never echoed back. */
export const FROM_RELAY = Symbol('from-relay');

export interface DocLinkOptions {
  /** ws:// or wss:// base of the relay, e.g. ws://127.0.0.1:8787 */
  relayUrl: string;
  token: string;
  docName: string;
  doc: Y.Doc;
  /** Reconnect delays grow from this to maxRetryMs (with jitter) while the relay is unreachable. */
  retryMs?: number;
  maxRetryMs?: number;
  onState?: (state: LinkState) => void;
  /** The relay refused the document or the token (close codes 4401/4403/4404): no retry. */
  onRefused?: (code: number, reason: string) => void;
  /** A message that could not be read (the link reconnects by itself). */
  onError?: (message: string) => void;
}

export type LinkState = 'connecting' | 'synced' | 'offline' | 'refused' | 'closed';

/**
 * One document kept in step with the relay over the y-websocket protocol. The local doc is the
 * truth for the device: it works while the link is down, and every (re)connect exchanges state
 * vectors, so only what one side lacks crosses the wire, never the whole catalog again.
 */
export class DocLink {
  private socket: WebSocket | undefined;
  private state: LinkState = 'connecting';
  private retry = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly waiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  /** One item per sync step 1 sent on this socket, answered in order by a step 2. */
  private answers: ('initial' | (() => void))[] = [];
  /** Flushes asked for while offline: answered by a round trip right after the next sync. */
  private offlineFlushes: (() => void)[] = [];
  private readonly onUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === FROM_RELAY) return;
    this.send((encoder) => syncProtocol.writeUpdate(encoder, update));
  };

  constructor(private readonly options: DocLinkOptions) {
    options.doc.on('update', this.onUpdate);
    this.connect();
  }

  get current(): LinkState {
    return this.state;
  }

  /** Resolves once the first exchange with the relay completed (our state now includes theirs). */
  synced(): Promise<void> {
    if (this.state === 'synced') return Promise.resolve();
    if (this.state === 'refused' || this.state === 'closed')
      return Promise.reject(new Error(`link to ${this.options.docName} is ${this.state}`));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Resolves when the relay has applied everything this side sent so far: it answers our sync
   * step 1 with a step 2 only after the messages before it, since one socket is processed in order.
   */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      if (this.state === 'closed' || this.state === 'refused') return resolve();
      if (this.state !== 'synced') this.offlineFlushes.push(resolve);
      else this.askRelay(resolve);
    });
  }

  close(): void {
    if (this.state === 'closed') return;
    this.setState('closed');
    clearTimeout(this.timer);
    this.options.doc.off('update', this.onUpdate);
    this.socket?.close(1000, 'done');
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('link closed'));
    for (const answer of this.answers.splice(0)) if (answer !== 'initial') answer();
    for (const resolve of this.offlineFlushes.splice(0)) resolve();
  }

  private askRelay(answer: 'initial' | (() => void)): void {
    this.answers.push(answer);
    this.send((encoder) => syncProtocol.writeSyncStep1(encoder, this.options.doc));
  }

  private connect(): void {
    const { relayUrl, token, docName } = this.options;
    const url = `${relayUrl.replace(/\/$/, '')}/sync/${docName}?token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url, { handshakeTimeout: 10_000 });
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this.setState('connecting');
    socket.on('open', () => {
      this.answers = [];
      this.askRelay('initial');
    });
    socket.on('message', (data: ArrayBuffer, isBinary: boolean) => {
      try {
        if (!isBinary) throw new Error('a text message');
        this.receive(new Uint8Array(data));
      } catch (error) {
        // A message we cannot read must not take the device down: drop this connection, the
        // usual backoff reconnects and the state-vector exchange starts over.
        this.options.onError?.(
          `unreadable message from the relay on ${docName}: ${(error as Error).message}`,
        );
        socket.close(4000, 'unreadable message');
      }
    });
    socket.on('error', () => {
      // 'close' follows and schedules the retry; the error itself is expected while offline.
    });
    socket.on('close', (code, reason) => {
      if (this.socket !== socket || this.state === 'closed') return;
      if (code >= 4400 && code < 4500) {
        this.setState('refused');
        this.options.onRefused?.(code, reason.toString());
        for (const waiter of this.waiters.splice(0)) waiter.reject(new Error(`relay refused ${docName}`));
        return;
      }
      this.setState('offline');
      const base = this.options.retryMs ?? 500;
      const delay = Math.min(this.options.maxRetryMs ?? 30_000, base * 2 ** this.retry++);
      this.timer = setTimeout(() => this.connect(), delay / 2 + Math.random() * (delay / 2));
    });
  }

  private receive(message: Uint8Array): void {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return; // awareness: not used by devices
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.options.doc, FROM_RELAY);
    if (encoding.length(encoder) > 1) this.socket?.send(encoding.toUint8Array(encoder));
    if (kind !== syncProtocol.messageYjsSyncStep2) return;
    const answer = this.answers.shift();
    if (answer === 'initial') {
      this.retry = 0;
      this.setState('synced');
      for (const waiter of this.waiters.splice(0)) waiter.resolve();
      const flushes = this.offlineFlushes.splice(0);
      if (flushes.length > 0)
        this.askRelay(() => {
          for (const resolve of flushes) resolve();
        });
    } else answer?.();
  }

  private send(write: (encoder: encoding.Encoder) => void): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    write(encoder);
    this.socket.send(encoding.toUint8Array(encoder));
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.options.onState?.(state);
  }
}
