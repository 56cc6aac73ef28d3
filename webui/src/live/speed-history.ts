import type { DeviceStatus } from '../../../core/src/docs/device-doc.js';
import { formatDuration, formatSpeed } from '../format.js';
import { DEVICE_AVERAGE_MS, ONLINE_WINDOW_MS } from './views.js';

/**
 * Bytes per second a device fetched, as the panel saw it in the device's status doc
 * (`d/<device>` `bytesPerSecond`, the device's own 10 s average) while the panel was open. The
 * relay keeps no history: the chart starts when the page opens.
 */
export interface SpeedSample {
  /** Page clock, ms (the device's clock may be off; the x axis is the reader's time). */
  at: number;
  bytesPerSecond: number;
}

/** How far back the chart looks, and how often the open page samples a device that is quiet. */
export const HISTORY_MS = 10 * 60 * 1000;
export const SAMPLE_MS = 5_000;
/** A bound on samples per device: a device writing its status every second for 10 min. */
export const MAX_SAMPLES = 1_200;

/** Samples per device, the last HISTORY_MS of them (bounded). Pure: the caller gives the clock. */
export class SpeedHistory {
  private readonly byDevice = new Map<string, SpeedSample[]>();

  constructor(
    private readonly windowMs = HISTORY_MS,
    private readonly max = MAX_SAMPLES,
  ) {}

  add(device: string, sample: SpeedSample): void {
    const list = this.byDevice.get(device) ?? [];
    const last = list.at(-1);
    // Same moment twice (a change and a tick): the later value wins.
    if (last && last.at === sample.at) list[list.length - 1] = sample;
    else if (!last || sample.at > last.at) list.push(sample);
    else return; // out of order: the page clock went back; keep what is there
    const from = sample.at - this.windowMs;
    while (list.length > 0 && ((list[0] as SpeedSample).at < from || list.length > this.max)) list.shift();
    this.byDevice.set(device, list);
  }

  samples(device: string, now: number): SpeedSample[] {
    return (this.byDevice.get(device) ?? []).filter((s) => s.at >= now - this.windowMs && s.at <= now);
  }

  forget(device: string): void {
    this.byDevice.delete(device);
  }
}

/**
 * What the device fetches now according to its doc. `written`: the doc just changed, so its speed
 * (the device's 10 s average at that write) counts whatever the state (a few small files end
 * in Idle before the next write). Otherwise the doc's speed only while Active and heard within
 * the online window, else 0 (an idle device's last speed stays in its doc until it writes again).
 */
export function currentSpeed(
  status: DeviceStatus | undefined,
  now: number,
  written = false,
): number | undefined {
  if (!status) return undefined;
  if (now - status.updatedAt > ONLINE_WINDOW_MS) return 0;
  return written || status.state === 'active' ? Math.max(0, status.bytesPerSecond) : 0;
}

export interface SpeedSummary {
  now: number;
  peak: number;
  /** Since when the samples go back (page clock), undefined without samples. */
  since: number | undefined;
}

export function summarize(samples: readonly SpeedSample[]): SpeedSummary {
  let peak = 0;
  for (const sample of samples) peak = Math.max(peak, sample.bytesPerSecond);
  return { now: samples.at(-1)?.bytesPerSecond ?? 0, peak, since: samples[0]?.at };
}

/** The chart's time span: what the samples cover, at least a minute (readable), at most HISTORY_MS. */
export function chartSpan(samples: readonly SpeedSample[], now: number): number {
  const since = samples[0]?.at ?? now;
  return Math.min(HISTORY_MS, Math.max(60_000, now - since));
}

/** The chart's SVG user units (it is stretched to the card's width). */
export const CHART_WIDTH = 300;
export const CHART_HEIGHT = 60;

/**
 * The outline of a step chart: each sample's speed (the device's average over the time before
 * it) drawn back to the previous sample, the first one back over the device's averaging window;
 * x over `windowMs` up to `now`, y over `top`. Undefined without samples.
 */
export function stepPath(
  samples: readonly SpeedSample[],
  now: number,
  windowMs: number,
  top: number,
): string | undefined {
  if (samples.length === 0 || top <= 0) return undefined;
  const start = now - windowMs;
  const x = (at: number) => (((Math.max(at, start) - start) / windowMs) * CHART_WIDTH).toFixed(1);
  const y = (bps: number) => (CHART_HEIGHT - (bps / top) * (CHART_HEIGHT - 2)).toFixed(1);
  const first = samples[0] as SpeedSample;
  const from0 = first.at - DEVICE_AVERAGE_MS;
  const parts = [`M${x(from0)},${CHART_HEIGHT}`];
  samples.forEach((sample, i) => {
    const from = samples[i - 1]?.at ?? from0;
    parts.push(`L${x(from)},${y(sample.bytesPerSecond)}`, `L${x(sample.at)},${y(sample.bytesPerSecond)}`);
  });
  parts.push(`L${x((samples.at(-1) as SpeedSample).at)},${CHART_HEIGHT}`, 'Z');
  return parts.join(' ');
}

/** The words the chart stands for (its text alternative, also shown under it). */
export function chartText(samples: readonly SpeedSample[], now: number): string {
  const summary = summarize(samples);
  if (summary.since === undefined) return 'No sample yet: the chart starts when this page is opened.';
  const span = formatDuration(Math.max(now - summary.since, 1000));
  return `Now ${formatSpeed(summary.now)}, peak ${formatSpeed(summary.peak)} in the last ${span} (since this page was opened, at most ${formatDuration(HISTORY_MS)}).`;
}
