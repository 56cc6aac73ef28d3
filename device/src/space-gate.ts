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
}

/**
 * Active/Inactive: the device works only while the disk has at least `--min-free` bytes free.
 * Workers call `ensure()` before each group (it waits, Inactive, until space returns) and read
 * `ok` before each file; a timer re-checks every 30 s while working and aborts the files in flight
 * when space runs out (their part files stay, never under a final name).
 */
export class SpaceGate {
  private low = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new AbortController();

  constructor(private readonly options: SpaceGateOptions) {}

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
    for (;;) {
      const free = await this.freeBytes();
      if (free >= this.options.minFreeBytes) {
        if (this.low || this.inFlight.signal.aborted) {
          this.low = false;
          this.inFlight = new AbortController();
        }
        this.options.reporter.space('active', free, this.options.minFreeBytes);
        this.arm();
        return;
      }
      this.low = true;
      this.options.reporter.space('inactive', free, this.options.minFreeBytes);
      await sleep(this.options.recheckMs ?? 60_000, signal);
    }
  }

  /** A write failed with ENOSPC: the same as finding the disk below min-free. */
  reportFull(): void {
    this.low = true;
    this.inFlight.abort(new Error('disk below --min-free'));
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
        if (free < this.options.minFreeBytes) {
          this.options.reporter.space('inactive', free, this.options.minFreeBytes);
          this.reportFull();
        } else {
          this.options.reporter.space('active', free, this.options.minFreeBytes);
          this.arm();
        }
      } catch {
        this.arm();
      }
    }, this.options.activeCheckMs ?? 30_000);
    this.timer.unref();
  }
}
