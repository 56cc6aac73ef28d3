import websocket from '@fastify/websocket';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { SyncDeps } from '../app.js';
import type { Principal } from '../records.js';
import { readCookie, SESSION_COOKIE } from '../routes/guard.js';
import { authorizeDoc, CLOSE_BAD_NAME, CLOSE_UNAUTHENTICATED, type WriteRight } from './access.js';
import type { DocHandle } from './doc-store.js';
import { checkUpdate } from './update-rights.js';

/** Largest websocket message the relay takes (a device's step 2 after a long time offline fits). */
export const SYNC_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Received but not yet handled bytes per socket (while authorizing or saving) before 1013. */
const MAX_QUEUED_FACTOR = 4;
const MESSAGE_SYNC = 0;

export const CLOSE_TOO_BIG = 1009;
export const CLOSE_INTERNAL = 1011;
export const CLOSE_BUSY = 1013;
export const CLOSE_GOING_AWAY = 1001;

/** What the sync endpoint needs of the document store; LevelDocStore has all of it. */
export interface SyncDocs {
  get(name: string): Promise<Y.Doc>;
  /** Keeps the doc in memory while a socket uses it. */
  open?(name: string): Promise<DocHandle>;
  /** Resolves once the doc's earlier changes are on disk: step 2 waits for it (a durable ack). */
  flushDoc?(name: string): Promise<void>;
}

export interface SyncOptions {
  maxMessageBytes?: number;
  /**
   * How often open sockets are checked again against the records (default 30 s): a logout, an
   * unbound device or a removed container closes them with 4401/4403 within this time.
   */
  recheckEveryMs?: number;
}

interface Room {
  name: string;
  doc: Y.Doc;
  handle: DocHandle | undefined;
  conns: Set<Connection>;
  onUpdate: (update: Uint8Array, origin: unknown) => void;
}

function syncMessage(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** Who is on the other end, for logs: never the token. */
const who = (principal: Principal | undefined) =>
  principal === undefined
    ? {}
    : principal.kind === 'device'
      ? { user: principal.user, device: principal.device }
      : { user: principal.user };

/** The docs open over websockets, one room per doc, and the live sockets per device. */
class SyncHub {
  readonly #rooms = new Map<string, Room>();
  readonly #opening = new Map<string, Promise<Room>>();
  readonly #devices = new Map<string, number>();
  readonly conns = new Set<Connection>();

  constructor(private readonly docs: SyncDocs) {}

  isOnline = (device: string): boolean => (this.#devices.get(device) ?? 0) > 0;

  deviceUp(device: string): void {
    this.#devices.set(device, (this.#devices.get(device) ?? 0) + 1);
  }

  deviceDown(device: string): void {
    const count = (this.#devices.get(device) ?? 0) - 1;
    if (count > 0) this.#devices.set(device, count);
    else this.#devices.delete(device);
  }

  /** The room of a doc, loading the doc once however many sockets ask at the same time. */
  async join(name: string, conn: Connection): Promise<Room> {
    for (;;) {
      let room = this.#rooms.get(name);
      if (room === undefined) {
        let opening = this.#opening.get(name);
        if (opening === undefined) {
          opening = this.#open(name).finally(() => this.#opening.delete(name));
          this.#opening.set(name, opening);
        }
        room = await opening;
        // Torn down in between (its last socket left): open it again.
        if (this.#rooms.get(name) !== room) continue;
      }
      room.conns.add(conn);
      return room;
    }
  }

  leave(room: Room, conn: Connection): void {
    room.conns.delete(conn);
    if (room.conns.size > 0 || this.#rooms.get(room.name) !== room) return;
    this.#rooms.delete(room.name);
    room.doc.off('update', room.onUpdate);
    room.handle?.release();
  }

  flush(name: string): Promise<void> {
    return this.docs.flushDoc?.(name) ?? Promise.resolve();
  }

  async #open(name: string): Promise<Room> {
    const handle = this.docs.open ? await this.docs.open(name) : undefined;
    const doc = handle?.doc ?? (await this.docs.get(name));
    const room: Room = {
      name,
      doc,
      handle,
      conns: new Set(),
      // Every change goes to every other socket of the doc: a device's receipts to the panel,
      // the in-process crawler's entries (origin: the crawler) to all of them.
      onUpdate: (update, origin) => {
        let message: Uint8Array | undefined;
        for (const conn of room.conns) {
          if (conn === origin) continue;
          message ??= syncMessage((encoder) => syncProtocol.writeUpdate(encoder, update));
          conn.send(message);
        }
      },
    };
    doc.on('update', room.onUpdate);
    this.#rooms.set(name, room);
    return room;
  }
}

/** One websocket: authenticated and authorized before any state is read, then the sync protocol. */
class Connection {
  #queue: Uint8Array[] = [];
  #queued = 0;
  #busy = false;
  #closed = false;
  #room: Room | undefined;
  #write: WriteRight = 'none';
  #principal: Principal | undefined;
  #deviceCounted = false;
  /** Kept (in memory only, never logged) to check the rights again while the socket lives. */
  #token: string | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly docName: string,
    private readonly hub: SyncHub,
    private readonly log: FastifyBaseLogger,
    private readonly maxBytes: number,
  ) {
    // Listen at once: messages sent right after the upgrade wait here until the doc is open.
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) =>
      this.#receive(data, isBinary),
    );
    socket.on('close', () => this.#cleanup());
  }

  async start(token: string | undefined, deps: SyncDeps): Promise<void> {
    try {
      if (token === undefined) return this.close(CLOSE_UNAUTHENTICATED, 'token required');
      this.#token = token;
      const principal = await deps.authenticate(token);
      if (this.#closed) return;
      if (principal === null) return this.close(CLOSE_UNAUTHENTICATED, 'invalid or expired token');
      this.#principal = principal;
      const access = await authorizeDoc(principal, this.docName, deps.lookups);
      if (this.#closed) return;
      if (!access.ok) {
        this.log.info(
          { doc: this.docName.slice(0, 200), ...who(principal), code: access.code },
          'sync refused',
        );
        return this.close(access.code, access.reason);
      }
      this.#write = access.write;
      if (principal.kind === 'device') {
        this.hub.deviceUp(principal.device);
        this.#deviceCounted = true;
      }
      const room = await this.hub.join(this.docName, this);
      if (this.#closed) return this.hub.leave(room, this);
      this.#room = room;
      // Our state vector first: the client answers with what we lack (receipts made offline).
      this.send(syncMessage((encoder) => syncProtocol.writeSyncStep1(encoder, room.doc)));
      this.#pump();
    } catch (error) {
      this.log.error(
        { doc: this.docName, ...who(this.#principal), message: String(error) },
        'sync failed to start',
      );
      this.close(CLOSE_INTERNAL, 'internal error');
    }
  }

  /** Checks token and rights again (records may have changed); closes the socket if they are gone. */
  async recheck(deps: SyncDeps): Promise<void> {
    if (this.#closed || this.#room === undefined || this.#token === undefined) return;
    try {
      const principal = await deps.authenticate(this.#token);
      if (principal === null) return this.close(CLOSE_UNAUTHENTICATED, 'token no longer valid');
      const access = await authorizeDoc(principal, this.docName, deps.lookups);
      if (!access.ok) {
        this.log.info({ doc: this.docName, ...who(principal), code: access.code }, 'sync access withdrawn');
        return this.close(access.code, access.reason);
      }
      this.#write = access.write;
    } catch (error) {
      this.log.warn(
        { doc: this.docName, ...who(this.#principal), message: String(error) },
        'sync recheck failed',
      );
    }
  }

  send(message: Uint8Array): void {
    if (!this.#closed && this.socket.readyState === this.socket.OPEN) this.socket.send(message);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.socket.close(code, reason);
    this.#cleanup();
  }

  #receive(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    if (this.#closed) return;
    if (!isBinary) {
      this.close(CLOSE_BAD_NAME, 'binary y-websocket messages only');
      return;
    }
    const bytes = Array.isArray(data)
      ? new Uint8Array(Buffer.concat(data))
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.#queued += bytes.byteLength;
    if (this.#queued > this.maxBytes * MAX_QUEUED_FACTOR) {
      this.close(CLOSE_BUSY, 'too much unanswered data; try again later');
      return;
    }
    this.#queue.push(bytes);
    this.#pump();
  }

  /** Handles queued messages one at a time, in order (the client's flush relies on it). */
  #pump(): void {
    if (this.#busy || this.#room === undefined || this.#closed) return;
    this.#busy = true;
    void (async () => {
      try {
        while (!this.#closed && this.#queue.length > 0) {
          const message = this.#queue.shift() as Uint8Array;
          this.#queued -= message.byteLength;
          await this.#handle(message, this.#room as Room);
        }
      } catch (error) {
        this.log.warn(
          { doc: this.docName, ...who(this.#principal), message: String(error) },
          'sync message refused',
        );
        this.close(CLOSE_BAD_NAME, 'malformed message');
      } finally {
        this.#busy = false;
      }
    })();
  }

  async #handle(message: Uint8Array, room: Room): Promise<void> {
    const decoder = decoding.createDecoder(message);
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return; // awareness and others: not used
    const kind = decoding.readVarUint(decoder);
    if (kind === syncProtocol.messageYjsSyncStep1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      // Everything this socket sent before is applied; answering once it is also saved makes the
      // step 2 a durable acknowledgement (the device's flush()).
      await this.hub.flush(room.name);
      this.send(syncMessage((encoder) => syncProtocol.writeSyncStep2(encoder, room.doc, stateVector)));
      return;
    }
    if (kind !== syncProtocol.messageYjsSyncStep2 && kind !== syncProtocol.messageYjsUpdate)
      return this.close(CLOSE_BAD_NAME, 'unknown sync message');
    const update = decoding.readVarUint8Array(decoder);
    const verdict = checkUpdate(room.doc, update, this.#write);
    if (!verdict.ok) {
      if (verdict.malformed) return this.close(CLOSE_BAD_NAME, 'malformed update');
      // Dropped whole, never applied; the socket stays (its other docs' work goes on).
      this.log.warn(
        { doc: room.name, ...who(this.#principal), reason: verdict.reason, bytes: update.byteLength },
        'sync update refused: outside the write rights',
      );
      return;
    }
    Y.applyUpdate(room.doc, update, this);
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.hub.conns.delete(this);
    if (this.#room !== undefined) this.hub.leave(this.#room, this);
    if (this.#deviceCounted && this.#principal?.kind === 'device')
      this.hub.deviceDown(this.#principal.device);
  }
}

/** `?token=`, else `Authorization: Bearer`, else the panel's session cookie from the same origin. */
function syncToken(request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown> | undefined;
  if (typeof query?.token === 'string' && query.token !== '') return query.token;
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ') && header.slice(7).trim() !== '')
    return header.slice(7).trim();
  // A browser sends the cookie on cross-site websockets too (no CORS here): only our own pages.
  return sameOrigin(request) ? readCookie(request.headers.cookie, SESSION_COOKIE) : undefined;
}

function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** The doc name as sent: the raw path after `/sync/`, never decoded (`%2F` is no separator). */
function docNameOf(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0] ?? '';
  return path.slice('/sync/'.length);
}

/**
 * Registers `GET /sync/*` (y-websocket protocol), with the rights of docs/relay.md: the `sync`
 * hook of buildApp. Refusals close with 4401 (no or bad token), 4403 (not yours), 4400 (bad name
 * or malformed message); a message over the limit closes with 1009.
 */
export function createSyncRoutes(options: SyncOptions = {}) {
  const maxBytes = options.maxMessageBytes ?? SYNC_MAX_MESSAGE_BYTES;
  return async function syncRoutes(app: FastifyInstance, deps: SyncDeps): Promise<void> {
    const hub = new SyncHub(deps.docs);
    deps.setOnline(hub.isOnline);
    let rechecking = false;
    const recheck = setInterval(() => {
      if (rechecking) return;
      rechecking = true;
      void Promise.all([...hub.conns].map((conn) => conn.recheck(deps))).finally(() => {
        rechecking = false;
      });
    }, options.recheckEveryMs ?? 30_000);
    recheck.unref();
    app.addHook('onClose', async () => clearInterval(recheck));
    await app.register(websocket, {
      options: { maxPayload: maxBytes },
      errorHandler(error, socket, request) {
        request.log.warn(
          { code: (error as { code?: string }).code, message: error.message },
          'sync socket error',
        );
        // ws closes by itself on protocol errors (1009 for an oversize message): let it finish.
        if (socket.readyState === socket.OPEN) socket.terminate();
      },
      preClose(done) {
        for (const conn of hub.conns) conn.close(CLOSE_GOING_AWAY, 'relay shutting down');
        done();
      },
    });
    app.get('/sync/*', { websocket: true }, (socket, request) => {
      // ws sends 1009 without a reason; say what the limit is.
      const close = socket.close.bind(socket);
      socket.close = (code?: number, reason?: string | Buffer) =>
        close(code, code === CLOSE_TOO_BIG && !reason ? `message over ${maxBytes} bytes` : reason);
      const conn = new Connection(socket, docNameOf(request), hub, request.log, maxBytes);
      hub.conns.add(conn);
      void conn.start(syncToken(request), deps);
    });
  };
}

/** The sync endpoint with the default limits (what `ferry relay` runs). */
export const syncRoutes = createSyncRoutes();
