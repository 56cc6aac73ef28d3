import type { DiskIO } from './disk-io.js';
import type { Reporter } from './reporter.js';
import { sleep } from './slots.js';

export interface SpaceGateOptions {
  disk: DiskIO;
  diskRoot: string;
  minFreeBytes: number;
  /** While Inactive, how often to look at the free space again (default one minute). */
  recheckMs?: number;
  /** While Active, how often to look (default 30 s, as the device loop asks). */
  activeCheckMs?: number;
  reporter: Reporter;
  /** Milliseconds since the epoch (tests move it by hand). */
  clock?: () => number;
}

/**
 * Active/Inactive: the device works only while the disk has at least `--min-free` bytes free.
 * Workers call `ensure()` before each group (it waits, Inactive, until space returns) and read
 * `ok` before each file; a timer re-checks every 30 s while working and aborts the files in flight
 * when space runs out (their part files stay, never under a final name).
 */
export class SpaceGate {
  private low = false;
  /** After a write failed with ENOSPC: Inactive until then, whatever statfs says (quotas, reserved blocks). */
  private refusedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new AbortController();
  private readonly clock: () => number;

  constructor(private readonly options: SpaceGateOptions) {
    this.clock = options.clock ?? Date.now;
  }

  get ok(): boolean {
    return !this.low;
  }

  /** Aborted when the disk runs low while files are in flight. */
  get signal(): AbortSignal {
    return this.inFlight.signal;
  }

  async freeBytes(): Promise<number> {
    return this.options.disk.freeBytes(this.options.diskRoot);
  }

  /** Returns once the disk has room; Inactive (reported) while it waits. */
  async ensure(signal: AbortSignal): Promise<void> {
    const recheckMs = this.options.recheckMs ?? 60_000;
    for (;;) {
      const free = await this.freeBytes();
      const refusedFor = this.refusedUntil - this.clock();
      if (free >= this.options.minFreeBytes && refusedFor <= 0) {
        if (this.low || this.inFlight.signal.aborted) {
          this.low = false;
          this.inFlight = new AbortController();
        }
        this.options.reporter.space('active', free, this.options.minFreeBytes);
        this.arm();
        return;
      }
      this.low = true;
      this.options.reporter.space(
        'inactive',
        free,
        this.options.minFreeBytes,
        refusedFor > 0 ? 'the disk refused a write for lack of space' : undefined,
      );
      await sleep(refusedFor > 0 ? Math.min(refusedFor, recheckMs) : recheckMs, signal);
    }
  }

  /**
   * A write failed with ENOSPC (or a quota): Inactive for one recheck period even when statfs
   * still shows room, else the device would retry the write at once, in a tight loop.
   */
  reportFull(): void {
    this.refusedUntil = this.clock() + (this.options.recheckMs ?? 60_000);
    this.goLow();
  }

  private goLow(): void {
    this.low = true;
    this.inFlight.abort(new Error('disk below --min-free'));
    // The periodic check is for an Active disk: while low, ensure() watches and reports, and the
    // check must not say Active over a write the disk just refused (statfs may still show room).
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      try {
        const free = await this.freeBytes();
        if (this.low) return; // gone low while statfs ran: ensure() has it now
        if (free < this.options.minFreeBytes) {
          this.options.reporter.space('inactive', free, this.options.minFreeBytes);
          this.goLow();
        } else {
          this.options.reporter.space('active', free, this.options.minFreeBytes);
          this.arm();
        }
      } catch {
        if (!this.low) this.arm();
      }
    }, this.options.activeCheckMs ?? 30_000);
    this.timer.unref();
  }
}
