import {
  type CurrentFile,
  type DeviceState,
  type DeviceStatus,
  isFerryError,
  writeDeviceStatus,
} from '@ferry/core';
import type * as Y from 'yjs';

const MAX_ERRORS = 20;
const MAX_RENAMED = 200;

/** One file's line in the status while it downloads. */
export interface FileLine {
  /** The download starts after `offset` bytes already on the disk (a resumed part). */
  resumedAt(offset: number): void;
  /** Bytes that just arrived (also counted in the device's total and speed). */
  bytes(count: number): void;
  end(): void;
}

export interface ReporterOptions {
  clock: () => number;
  /** One line per event: a log file, the terminal, or a test's array. */
  log: (line: string) => void;
  /** Milliseconds between two writes of the status doc (the issue asks for at most one a second). */
  intervalMs?: number;
}

/**
 * Collects what the device is doing and writes it to its status doc `d/<device>` at most once per
 * interval: state, free space, files in flight with their bytes, speed, recent errors, renamed
 * names. The relay and the panel read that doc; nothing is polled.
 */
export class Reporter {
  private state: DeviceState = 'starting';
  private freeBytes = 0;
  private minFreeBytes = 0;
  private readonly current = new Map<number, CurrentFile>();
  private nextId = 0;
  private errors: string[] = [];
  private readonly renamedNames: string[] = [];
  private readonly seenRenames = new Set<string>();
  private totalBytes = 0;
  private window: { at: number; bytes: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private doc: Y.Doc | undefined;
  private lastWrite = 0;

  constructor(private readonly options: ReporterOptions) {}

  /** Starts writing to the device's status doc. */
  attach(doc: Y.Doc): void {
    this.doc = doc;
    this.flush();
  }

  log(line: string): void {
    this.options.log(line);
  }

  get bytesDownloaded(): number {
    return this.totalBytes;
  }

  /**
   * What the space gate found. Room on the disk ends Inactive but says nothing about work: an idle
   * device stays idle. `why` says what made the device inactive when it is not the free space itself.
   */
  space(space: 'active' | 'inactive', freeBytes: number, minFreeBytes: number, why?: string): void {
    const state: DeviceState = space === 'inactive' ? 'inactive' : this.state === 'idle' ? 'idle' : 'active';
    const changed = (state === 'inactive') !== (this.state === 'inactive') || this.state === 'starting';
    this.state = state;
    this.freeBytes = freeBytes;
    this.minFreeBytes = minFreeBytes;
    if (changed) {
      this.log(
        state !== 'inactive'
          ? `active: ${freeBytes} bytes free`
          : why
            ? `inactive: ${why} (${freeBytes} bytes free, --min-free ${minFreeBytes})`
            : `inactive: ${freeBytes} bytes free, below --min-free ${minFreeBytes}`,
      );
      this.flush();
    } else this.schedule();
  }

  /** A worker found nothing to do; the device is idle once no file is in flight anywhere. */
  idle(): void {
    if (this.state === 'active' && this.current.size === 0) this.state = 'idle';
    this.schedule();
    // One more write once the speed window has emptied, so an idle device shows 0 B/s, not its
    // last average.
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.schedule(), SPEED_WINDOW_MS + 500);
    this.idleTimer.unref();
  }

  /**
   * A file of the container was fetched: the provider accepts its credentials again, so its
   * FERRY_AUTH lines (which mark the account as needing attention) are over.
   */
  fetched(container: string): void {
    const stale = (line: string) => line.startsWith(`${container} `) || line.startsWith(`${container}:`);
    const kept = this.errors.filter((line) => !(stale(line) && line.includes('FERRY_AUTH')));
    if (kept.length === this.errors.length) return;
    this.errors = kept;
    this.schedule();
  }

  /** Puts a file in the status's `current` list; its line follows the bytes until it ends. */
  fileStarted(container: string, path: string, size: number): FileLine {
    const id = this.nextId++;
    if (this.state === 'idle' || this.state === 'starting') this.state = 'active';
    const file: CurrentFile = { container, path, size, bytes: 0 };
    this.current.set(id, file);
    this.schedule();
    return {
      resumedAt: (offset) => {
        file.bytes = offset;
        this.schedule();
      },
      bytes: (count) => {
        file.bytes += count;
        this.bytes(count);
      },
      end: () => {
        this.current.delete(id);
        this.schedule();
      },
    };
  }

  /** Bytes downloaded, for the total and the speed. */
  bytes(count: number): void {
    this.totalBytes += count;
    this.schedule();
  }

  error(container: string, error: unknown, what?: string): void {
    const text = isFerryError(error) ? `${error.id}: ${error.message}` : `FERRY_INTERNAL: ${String(error)}`;
    const line = `${container}${what ? ` ${what}` : ''}: ${text}`;
    this.log(`error ${line}`);
    this.errors.push(line);
    if (this.errors.length > MAX_ERRORS) this.errors.shift();
    this.schedule();
  }

  renamed(container: string, cloudPath: string, diskPath: string): void {
    // The cloud's name may hold control characters (a terminal escape): shown escaped, never raw.
    const line = `${container}/${printable(cloudPath)} -> ${container}/${diskPath}`;
    if (this.seenRenames.has(line)) return;
    // Bounded: a container of a million renamed names must not grow this set without end.
    if (this.seenRenames.size >= MAX_SEEN_RENAMES) this.seenRenames.clear();
    this.seenRenames.add(line);
    this.log(`renamed ${line}`);
    if (this.renamedNames.length < MAX_RENAMED) this.renamedNames.push(line);
    this.schedule();
  }

  snapshot(): DeviceStatus {
    return {
      state: this.state,
      freeBytes: this.freeBytes,
      minFreeBytes: this.minFreeBytes,
      updatedAt: this.options.clock(),
      bytesPerSecond: this.speed(),
      // Copies: the lines keep changing after this snapshot went into the doc.
      current: [...this.current.values()].map((file) => ({ ...file })),
      errors: [...this.errors],
      renamed: [...this.renamedNames],
    };
  }

  close(): void {
    clearTimeout(this.timer);
    clearTimeout(this.idleTimer);
    this.timer = undefined;
    this.flush();
  }

  private speed(): number {
    const now = this.options.clock();
    this.window.push({ at: now, bytes: this.totalBytes });
    this.window = this.window.filter((sample) => now - sample.at <= SPEED_WINDOW_MS);
    const first = this.window[0];
    if (!first || now === first.at) return 0;
    return Math.round(((this.totalBytes - first.bytes) * 1000) / (now - first.at));
  }

  private schedule(): void {
    if (this.timer) return;
    const interval = this.options.intervalMs ?? 1000;
    const wait = Math.max(0, this.lastWrite + interval - this.options.clock());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
    this.timer.unref();
  }

  private flush(): void {
    this.lastWrite = this.options.clock();
    if (!this.doc) return;
    writeDeviceStatus(this.doc, this.snapshot());
  }
}

const MAX_SEEN_RENAMES = 10_000;
/** Bytes/s is the average over this window. */
const SPEED_WINDOW_MS = 10_000;

/** `a\x1b[2Jb` → `a\u001b[2Jb`: control characters as JSON escapes, the rest as is. */
export function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return out;
}
