import type { Entry } from '../../entry.js';
import { FerryError } from '../../errors.js';
import { md5Hex } from '../../md5.js';
import type { Provider, ProviderCapabilities, Quota, ReadOptions } from '../../provider.js';
import { checkReadRange, joinProviderPath, providerPathSegments } from '../provider-path.js';
import { FaultPlan, type MemoryFaults, type ProviderOperation } from './faults.js';
import { SYNTHETIC_FOLDER, SyntheticTree } from './synthetic.js';

export interface MemoryProviderInit {
  /** Faults to inject; change them later with `setFaults`. */
  faults?: MemoryFaults;
  /** How to wait `latencyMs`; core is pure, so the caller brings the timer. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** mtime for `put`/`mkdir` without one. Default: a logical clock, 1000 ms per call. */
  now?: () => number;
  /** Reported by `quota()` as totalBytes (used bytes are always reported). */
  quotaBytes?: number;
  /** A read-only generated tree of tiny files under `synthetic/` (see synthetic.ts). */
  synthetic?: { files: number; seed?: number };
  /** Bytes per chunk `read` yields (default 64 KiB). */
  chunkSize?: number;
}

interface FileNode {
  kind: 'file';
  bytes: Uint8Array;
  mtime: number;
  md5: string;
}
interface DirNode {
  kind: 'dir';
  mtime: number;
  children: Map<string, TreeNode>;
}
type TreeNode = FileNode | DirNode;

/** What a path names: a node of the mutable tree, or a part of the synthetic tree. */
type Target =
  | { kind: 'tree'; node: TreeNode }
  | { kind: 'synthetic-root' }
  | { kind: 'synthetic-folder'; folder: number }
  | { kind: 'synthetic-file'; file: number };

const DEFAULT_CHUNK = 64 * 1024;
const LOGICAL_CLOCK_START = 1_700_000_000_000;

/**
 * The reference provider: the Provider contract in code, held in memory. Tests build the tree
 * with put/mkdir/remove and inject faults (latency, 429, 500, auth, truncated bodies), all
 * deterministic for a seed. Pure: no I/O, no clock, no timers of its own.
 */
export class MemoryProvider implements Provider {
  readonly name = 'memory';
  readonly capabilities: ProviderCapabilities = {
    hashTypes: ['md5'],
    mtimePrecisionMs: 1,
    rangeReads: true,
    emptyFolders: true,
  };
  /** Calls per operation, faulted or not. */
  readonly calls: Record<ProviderOperation, number> = { list: 0, stat: 0, read: 0, quota: 0 };

  private readonly root: DirNode;
  private readonly synthetic: SyntheticTree | undefined;
  private readonly sleep: MemoryProviderInit['sleep'];
  private readonly now: () => number;
  private readonly quotaBytes: number | undefined;
  private readonly chunkSize: number;
  private plan: FaultPlan;
  private usedBytes = 0;
  private openStreams = 0;

  constructor(init: MemoryProviderInit = {}) {
    let tick = LOGICAL_CLOCK_START;
    this.now = init.now ?? (() => (tick += 1000));
    this.sleep = init.sleep;
    this.root = { kind: 'dir', mtime: this.now(), children: new Map() };
    this.synthetic =
      init.synthetic !== undefined && init.synthetic.files > 0
        ? new SyntheticTree(init.synthetic.files, init.synthetic.seed ?? 1)
        : undefined;
    if (init.quotaBytes !== undefined && (!Number.isSafeInteger(init.quotaBytes) || init.quotaBytes < 0))
      throw new FerryError(
        'BAD_INPUT',
        `memory: quotaBytes must be a whole number >= 0, got ${init.quotaBytes}`,
      );
    this.quotaBytes = init.quotaBytes;
    this.chunkSize = init.chunkSize ?? DEFAULT_CHUNK;
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 1)
      throw new FerryError(
        'BAD_INPUT',
        `memory: chunkSize must be a whole number >= 1, got ${init.chunkSize}`,
      );
    this.plan = this.makePlan(init.faults ?? {});
  }

  /** Faults fired so far, by kind. */
  get faultsFired(): Readonly<Record<'auth' | 'rateLimited' | 'transient' | 'truncated', number>> {
    return { ...this.plan.fired };
  }

  /** list/read iterations started and not yet finished; 0 once every consumer stopped. */
  get activeStreams(): number {
    return this.openStreams;
  }

  /** Replaces the fault plan (counters and the random sequence start again). */
  setFaults(faults: MemoryFaults): void {
    this.plan = this.makePlan(faults);
  }

  // ---- Mutations, for tests and seeding --------------------------------------------------------

  /** Creates or replaces a file; missing parent folders are created. The bytes are copied. */
  put(path: string, bytes: Uint8Array, options: { mtime?: number } = {}): void {
    if (!(bytes instanceof Uint8Array))
      throw new FerryError('BAD_INPUT', `memory: put '${path}' needs bytes`);
    const segments = this.writableSegments(path);
    const name = segments.pop() as string;
    const parent = this.ensureDirs(segments, path);
    const existing = parent.children.get(name);
    if (existing?.kind === 'dir')
      throw new FerryError('BAD_INPUT', `memory: put '${path}': a folder of that name exists`);
    if (existing?.kind === 'file') this.usedBytes -= existing.bytes.length;
    const copy = new Uint8Array(bytes);
    parent.children.set(name, {
      kind: 'file',
      bytes: copy,
      mtime: this.mtimeOf(options.mtime),
      md5: md5Hex(copy),
    });
    this.usedBytes += copy.length;
  }

  /** Creates a folder and its missing parents; an existing folder is left as it is. */
  mkdir(path: string, options: { mtime?: number } = {}): void {
    const segments = this.writableSegments(path);
    const name = segments.pop() as string;
    const parent = this.ensureDirs(segments, path);
    const existing = parent.children.get(name);
    if (existing?.kind === 'file')
      throw new FerryError('BAD_INPUT', `memory: mkdir '${path}': a file of that name exists`);
    if (existing === undefined)
      parent.children.set(name, { kind: 'dir', mtime: this.mtimeOf(options.mtime), children: new Map() });
  }

  /** Removes a file or a whole folder. A listing in progress stops seeing the removed entries. */
  remove(path: string): void {
    const segments = this.writableSegments(path);
    const name = segments.pop() as string;
    const parent = this.findTree(segments);
    const node = parent?.kind === 'dir' ? parent.children.get(name) : undefined;
    if (parent?.kind !== 'dir' || node === undefined)
      throw new FerryError('NOT_FOUND', `memory: remove '${path}': no such file or folder`);
    parent.children.delete(name);
    this.usedBytes -= this.detach(node);
  }

  // ---- Provider ------------------------------------------------------------------------------

  async *list(folder: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<Entry> {
    this.openStreams++;
    try {
      await this.enter('list', options.signal);
      const target = this.locate(providerPathSegments(folder));
      if (target === undefined) throw new FerryError('NOT_FOUND', `memory: no folder '${folder}'`);
      if (target.kind === 'synthetic-file' || (target.kind === 'tree' && target.node.kind === 'file'))
        throw new FerryError('BAD_INPUT', `memory: '${folder}' is a file; list takes a folder`);
      const signal = options.signal;
      if (target.kind === 'tree') {
        yield* this.walkTree(target.node as DirNode, '', signal);
        if (target.node === this.root && this.synthetic !== undefined) {
          yield { path: SYNTHETIC_FOLDER, size: 0, mtime: this.synthetic.folderMtime(), isDir: true };
          yield* this.walkSynthetic(undefined, SYNTHETIC_FOLDER, signal);
        }
      } else if (target.kind === 'synthetic-root') yield* this.walkSynthetic(undefined, '', signal);
      else yield* this.walkSynthetic(target.folder, '', signal);
    } finally {
      this.openStreams--;
    }
  }

  async stat(path: string, options: { signal?: AbortSignal } = {}): Promise<Entry> {
    await this.enter('stat', options.signal);
    const target = this.locate(providerPathSegments(path));
    if (target === undefined) throw new FerryError('NOT_FOUND', `memory: no file or folder '${path}'`);
    return this.entryOf(target, path);
  }

  async *read(path: string, options: ReadOptions = {}): AsyncGenerator<Uint8Array> {
    this.openStreams++;
    try {
      await this.enter('read', options.signal);
      checkReadRange(options.offset, options.length);
      const target = this.locate(providerPathSegments(path));
      if (target === undefined) throw new FerryError('NOT_FOUND', `memory: no file '${path}'`);
      let bytes: Uint8Array;
      if (target.kind === 'synthetic-file') bytes = (this.synthetic as SyntheticTree).body(target.file);
      else if (target.kind === 'tree' && target.node.kind === 'file') bytes = target.node.bytes;
      else throw new FerryError('BAD_INPUT', `memory: '${path}' is a folder; read takes a file`);

      const start = Math.min(options.offset ?? 0, bytes.length);
      const end =
        options.length === undefined ? bytes.length : Math.min(bytes.length, start + options.length);
      const cut = this.plan.truncateAfter(end - start);
      const stop = cut === undefined ? end : start + cut;
      for (let at = start; at < stop; at += this.chunkSize) {
        options.signal?.throwIfAborted();
        yield bytes.slice(at, Math.min(stop, at + this.chunkSize));
      }
      if (cut !== undefined)
        throw new FerryError(
          'TRUNCATED',
          `memory: read of '${path}' ended after ${cut} of ${end - start} bytes (fault injection)`,
        );
    } finally {
      this.openStreams--;
    }
  }

  async quota(options: { signal?: AbortSignal } = {}): Promise<Quota> {
    await this.enter('quota', options.signal);
    const usedBytes = this.usedBytes + (this.synthetic?.totalBytes ?? 0);
    if (this.quotaBytes === undefined) return { usedBytes };
    return { totalBytes: this.quotaBytes, usedBytes, freeBytes: Math.max(0, this.quotaBytes - usedBytes) };
  }

  async close(): Promise<void> {}

  // ---- Internals -----------------------------------------------------------------------------

  private makePlan(faults: MemoryFaults): FaultPlan {
    if ((faults.latencyMs ?? 0) > 0 && this.sleep === undefined)
      throw new FerryError('BAD_INPUT', 'memory: latencyMs needs a sleep function (core has no timers)');
    return new FaultPlan(faults);
  }

  private async enter(operation: ProviderOperation, signal: AbortSignal | undefined): Promise<void> {
    this.calls[operation]++;
    signal?.throwIfAborted();
    const latency = this.plan.faults.latencyMs ?? 0;
    if (latency > 0 && this.sleep !== undefined) await this.sleep(latency, signal);
    signal?.throwIfAborted();
    this.plan.beforeCall(operation, this.name);
  }

  private mtimeOf(mtime: number | undefined): number {
    if (mtime === undefined) return this.now();
    if (!Number.isFinite(mtime))
      throw new FerryError('BAD_INPUT', `memory: mtime must be a number, got ${mtime}`);
    return Math.trunc(mtime);
  }

  private writableSegments(path: string): string[] {
    const segments = providerPathSegments(path);
    if (segments.length === 0)
      throw new FerryError('BAD_INPUT', 'memory: the root cannot be written or removed');
    if (this.synthetic !== undefined && segments[0] === SYNTHETIC_FOLDER)
      throw new FerryError('BAD_INPUT', `memory: '${path}' is in the read-only synthetic tree`);
    return segments;
  }

  private ensureDirs(segments: readonly string[], forPath: string): DirNode {
    let dir = this.root;
    for (const segment of segments) {
      const child = dir.children.get(segment);
      if (child?.kind === 'file')
        throw new FerryError('BAD_INPUT', `memory: '${forPath}': '${segment}' on the way is a file`);
      if (child !== undefined) {
        dir = child;
        continue;
      }
      const created: DirNode = { kind: 'dir', mtime: this.now(), children: new Map() };
      dir.children.set(segment, created);
      dir = created;
    }
    return dir;
  }

  /** Empties a removed subtree so listings still walking it stop; returns the bytes freed. */
  private detach(node: TreeNode): number {
    if (node.kind === 'file') return node.bytes.length;
    let freed = 0;
    for (const child of node.children.values()) freed += this.detach(child);
    node.children.clear();
    return freed;
  }

  private findTree(segments: readonly string[]): TreeNode | undefined {
    let node: TreeNode = this.root;
    for (const segment of segments) {
      if (node.kind !== 'dir') return undefined;
      const child: TreeNode | undefined = node.children.get(segment);
      if (child === undefined) return undefined;
      node = child;
    }
    return node;
  }

  private locate(segments: readonly string[]): Target | undefined {
    if (this.synthetic !== undefined && segments[0] === SYNTHETIC_FOLDER) {
      if (segments.length === 1) return { kind: 'synthetic-root' };
      const found = this.synthetic.locate(segments.slice(1));
      if (found === undefined) return undefined;
      return 'file' in found
        ? { kind: 'synthetic-file', file: found.file }
        : { kind: 'synthetic-folder', folder: found.folder };
    }
    const node = this.findTree(segments);
    return node === undefined ? undefined : { kind: 'tree', node };
  }

  private entryOf(target: Target, path: string): Entry {
    const synthetic = this.synthetic as SyntheticTree;
    switch (target.kind) {
      case 'tree':
        return target.node.kind === 'dir'
          ? { path, size: 0, mtime: target.node.mtime, isDir: true }
          : {
              path,
              size: target.node.bytes.length,
              mtime: target.node.mtime,
              hash: target.node.md5,
              hashType: 'md5',
              isDir: false,
            };
      case 'synthetic-file':
        return synthetic.fileEntry(target.file, path);
      default:
        return { path, size: 0, mtime: synthetic.folderMtime(), isDir: true };
    }
  }

  /** Depth-first, a folder before its contents; reads the live maps, so removals show at once. */
  private async *walkTree(
    dir: DirNode,
    prefix: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Entry> {
    for (const [name, node] of dir.children) {
      signal?.throwIfAborted();
      const path = joinProviderPath(prefix, name);
      yield this.entryOf({ kind: 'tree', node }, path);
      if (node.kind === 'dir') yield* this.walkTree(node, path, signal);
    }
  }

  /** The synthetic tree, or one of its folders, computed entry by entry. */
  private async *walkSynthetic(
    onlyFolder: number | undefined,
    prefix: string,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<Entry> {
    const tree = this.synthetic as SyntheticTree;
    const folders = onlyFolder === undefined ? [0, tree.folders] : [onlyFolder, onlyFolder + 1];
    for (let folder = folders[0] as number; folder < (folders[1] as number); folder++) {
      const folderPath =
        onlyFolder === undefined ? joinProviderPath(prefix, tree.folderName(folder)) : prefix;
      if (onlyFolder === undefined)
        yield { path: folderPath, size: 0, mtime: tree.folderMtime(), isDir: true };
      const { from, to } = tree.filesOf(folder);
      for (let file = from; file < to; file++) {
        signal?.throwIfAborted();
        yield tree.fileEntry(file, joinProviderPath(folderPath, tree.fileName(file)));
      }
    }
  }
}
