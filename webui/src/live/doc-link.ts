import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

/** y-websocket message types (the relay's /sync endpoint speaks this protocol). */
const MESSAGE_SYNC = 0;
/** Close codes the relay uses for a refused token or document name: retrying cannot help. */
const REFUSED = new Set([4400, 4401, 4403, 4404]);

export type LinkState = 'connecting' | 'live' | 'offline' | 'refused';

/**
 * A read-only subscription to one relay document over the y-websocket protocol. The session
 * cookie authenticates the socket (the page cannot read it, the browser sends it). Users write
 * nothing over sync, so this link never sends an update: it asks for the state once (sync step
 * 1) and then applies what the relay pushes. It reconnects with growing delays while the relay
 * is away; a refusal (4xxx close) stops it.
 */
export class DocLink {
  readonly doc = new Y.Doc();
  state: LinkState = 'connecting';
  /** Why the relay refused, when it did. */
  refusal = '';
  private socket: WebSocket | undefined;
  private retryMs = 500;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly docName: string,
    private readonly baseUrl: string = defaultSyncBase(),
  ) {
    this.doc.on('update', () => this.emit());
    this.connect();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000);
    this.listeners.clear();
    this.doc.destroy();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }

  private setState(state: LinkState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit();
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(`${this.baseUrl}/${this.docName}`);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onopen = () => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(encoder, this.doc);
      socket.send(encoding.toUint8Array(encoder));
    };
    socket.onmessage = (event) => {
      const decoder = decoding.createDecoder(new Uint8Array(event.data as ArrayBuffer));
      if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return; // awareness: not used by the panel
      // The reply readSyncMessage writes (our step 2 for the relay's step 1) is dropped on purpose:
      // this doc holds nothing of ours.
      const kind = syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), this.doc, 'relay');
      if (kind === syncProtocol.messageYjsSyncStep2 || kind === syncProtocol.messageYjsUpdate) {
        this.retryMs = 500;
        this.setState('live');
      }
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.closed) return;
      if (REFUSED.has(event.code)) {
        this.refusal = event.reason || `refused (${event.code})`;
        this.setState('refused');
        return;
      }
      this.setState('offline');
      this.timer = setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    };
  }
}

export function defaultSyncBase(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/sync`;
}

/**
 * One link per document name, shared by every element that shows it, closed when the last one
 * lets go: a device card and a container row both watching `d/<device>` use one socket.
 */
export class DocLinks {
  private readonly links = new Map<string, { link: DocLink; users: number }>();

  constructor(private readonly baseUrl?: string) {}

  acquire(docName: string): DocLink {
    let held = this.links.get(docName);
    if (!held) {
      held = { link: new DocLink(docName, this.baseUrl), users: 0 };
      this.links.set(docName, held);
    }
    held.users++;
    return held.link;
  }

  release(docName: string): void {
    const held = this.links.get(docName);
    if (!held) return;
    held.users--;
    if (held.users > 0) return;
    this.links.delete(docName);
    held.link.close();
  }

  /** Names currently subscribed (the tests check that no group doc is ever among them). */
  names(): string[] {
    return [...this.links.keys()];
  }
}

export const sharedLinks = new DocLinks();
