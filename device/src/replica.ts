import type * as Y from 'yjs';
import { DocLink, FROM_RELAY } from './doc-link.js';
import type { StringStore } from './ledger.js';
import type { Replica } from './worker.js';

/** What the replica needs of a document store on the disk (the relay's DocStore fits). */
export interface LocalDocs {
  get(name: string): Promise<Y.Doc>;
  /** Lets the store unload a doc nobody uses (bounded memory over 1,000 group docs). */
  release?(name: string): void;
}

export interface RelayLinkOptions {
  /** ws:// base of the relay. */
  url: string;
  token: string;
  onRefused?: (docName: string, code: number, reason: string) => void;
}

export interface SyncedReplicaOptions {
  docs: LocalDocs;
  /** Absent: offline only (a device that was never paired, or tests). */
  relay?: RelayLinkOptions;
  /** Names of docs with local edits the relay may not have yet; kept on the disk. */
  dirty: StringStore & { keys(): AsyncIterable<string> };
  /** How long `open` waits for the relay before working from the disk copy alone. */
  syncTimeoutMs?: number;
  log?: (line: string) => void;
}

interface OpenDoc {
  doc: Y.Doc;
  users: number;
  link?: DocLink;
  markDirty: (update: Uint8Array, origin: unknown) => void;
}

/**
 * The device's documents: loaded from its disk, kept in step with the relay while a doc is open,
 * and remembered as "dirty" when the device changed one the relay has not confirmed. `pushDirty`
 * reopens those later, so receipts written offline reach the relay once it is back.
 */
export class SyncedReplica implements Replica {
  private readonly open_ = new Map<string, Promise<OpenDoc>>();
  /**
   * What the last link learned about the relay: once one failed to reach it, later opens work from
   * the disk at once instead of each waiting `syncTimeoutMs` (1,000 groups would wait an hour); the
   * links keep retrying in the background and the first to sync sets it back.
   */
  private relayReachable = true;
  /** Opens waiting for a first sync; a link that finds the relay unreachable ends their wait. */
  private readonly waitingForRelay = new Set<() => void>();

  constructor(private readonly options: SyncedReplicaOptions) {}

  async open(name: string): Promise<Y.Doc> {
    let pending = this.open_.get(name);
    if (!pending) {
      pending = this.load(name);
      this.open_.set(name, pending);
    }
    const entry = await pending;
    entry.users++;
    if (entry.link && entry.link.current !== 'synced' && this.relayReachable) {
      let giveUp = () => {};
      const unreachable = new Promise<void>((resolve) => {
        giveUp = resolve;
        this.waitingForRelay.add(resolve);
      });
      await Promise.race([
        withTimeout(entry.link.synced(), this.options.syncTimeoutMs ?? 5000).catch(() => undefined),
        unreachable,
      ]);
      this.waitingForRelay.delete(giveUp);
    }
    return entry.doc;
  }

  async close(name: string): Promise<void> {
    const pending = this.open_.get(name);
    if (!pending) return;
    const entry = await pending;
    if (--entry.users > 0) return;
    this.open_.delete(name);
    entry.doc.off('update', entry.markDirty);
    if (entry.link) {
      if (entry.link.current === 'synced')
        await withTimeout(entry.link.flush(), this.options.syncTimeoutMs ?? 5000).catch(() => undefined);
      // Only a completed round trip proves the relay holds our edits.
      if (entry.link.current === 'synced') await this.options.dirty.del(name);
      entry.link.close();
    }
    this.options.docs.release?.(name);
  }

  /**
   * Opens and closes a doc so the disk holds the relay's latest copy; false when the relay could
   * not be reached (the disk copy is unchanged then).
   */
  async refresh(name: string): Promise<boolean> {
    await this.open(name);
    const entry = await this.open_.get(name);
    const synced = entry?.link?.current === 'synced';
    await this.close(name);
    return synced;
  }

  /** Pushes every doc edited while the relay was away; returns how many went through. */
  async pushDirty(): Promise<number> {
    if (!this.options.relay) return 0;
    let pushed = 0;
    const names: string[] = [];
    for await (const name of this.options.dirty.keys()) names.push(name);
    for (const name of names) {
      if (this.open_.has(name)) continue; // open docs push on their own
      await this.open(name);
      const entry = await this.open_.get(name);
      const synced = entry?.link?.current === 'synced';
      await this.close(name);
      if (synced) pushed++;
    }
    return pushed;
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.open_.keys()]) {
      const entry = await this.open_.get(name);
      if (entry) entry.users = 1;
      await this.close(name);
    }
  }

  private async load(name: string): Promise<OpenDoc> {
    const doc = await this.options.docs.get(name);
    const markDirty = (_update: Uint8Array, origin: unknown) => {
      if (origin === FROM_RELAY) return;
      this.options.dirty.put(name, '1').catch((error) => this.options.log?.(`cannot mark ${name}: ${error}`));
    };
    doc.on('update', markDirty);
    const relay = this.options.relay;
    const link = relay
      ? new DocLink({
          relayUrl: relay.url,
          token: relay.token,
          docName: name,
          doc,
          onRefused: (code, reason) => relay.onRefused?.(name, code, reason),
          onError: (message) => this.options.log?.(message),
          onState: (state) => {
            if (state === 'synced') this.relayReachable = true;
            else if (state === 'offline') {
              this.relayReachable = false;
              for (const giveUp of this.waitingForRelay) giveUp();
              this.waitingForRelay.clear();
            }
          },
        })
      : undefined;
    return { doc, users: 0, link, markDirty };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
