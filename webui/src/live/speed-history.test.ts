import { describe, expect, it } from 'vitest';
import type { DeviceStatus } from '../../../core/src/docs/device-doc.js';
import { chartSpan, chartText, currentSpeed, SpeedHistory, stepPath, summarize } from './speed-history.js';

const status = (over: Partial<DeviceStatus>): DeviceStatus => ({
  state: 'active',
  freeBytes: 1,
  minFreeBytes: 0,
  updatedAt: 1_000_000,
  bytesPerSecond: 2048,
  current: [],
  errors: [],
  renamed: [],
  ...over,
});

describe('SpeedHistory', () => {
  it('keeps the window per device, bounded, in page-clock order', () => {
    const history = new SpeedHistory(10_000, 3);
    history.add('nas', { at: 1000, bytesPerSecond: 1 });
    history.add('nas', { at: 2000, bytesPerSecond: 2 });
    history.add('nas', { at: 2000, bytesPerSecond: 5 }); // same moment: the later value wins
    history.add('nas', { at: 1500, bytesPerSecond: 9 }); // the clock went back: dropped
    history.add('pi', { at: 2000, bytesPerSecond: 7 });
    expect(history.samples('nas', 2000)).toEqual([
      { at: 1000, bytesPerSecond: 1 },
      { at: 2000, bytesPerSecond: 5 },
    ]);
    history.add('nas', { at: 3000, bytesPerSecond: 3 });
    history.add('nas', { at: 4000, bytesPerSecond: 4 });
    expect(history.samples('nas', 4000).map((s) => s.at)).toEqual([2000, 3000, 4000]);
    history.add('nas', { at: 14_500, bytesPerSecond: 0 });
    expect(history.samples('nas', 14_500).map((s) => s.at)).toEqual([14_500]);
    expect(history.samples('pi', 2000)).toEqual([{ at: 2000, bytesPerSecond: 7 }]);
    history.forget('pi');
    expect(history.samples('pi', 2000)).toEqual([]);
  });
});

describe('currentSpeed', () => {
  it("is the doc's speed while Active and heard lately, or just written", () => {
    const now = 1_000_000;
    expect(currentSpeed(undefined, now)).toBeUndefined();
    expect(currentSpeed(status({}), now)).toBe(2048);
    expect(currentSpeed(status({ state: 'idle' }), now)).toBe(0);
    expect(currentSpeed(status({ state: 'inactive' }), now)).toBe(0);
    expect(currentSpeed(status({ updatedAt: now - 3 * 60_000 }), now)).toBe(0);
    // Just written: the device's own average counts even when it went Idle at once.
    expect(currentSpeed(status({ state: 'idle' }), now, true)).toBe(2048);
    expect(currentSpeed(status({ updatedAt: now - 3 * 60_000 }), now, true)).toBe(0);
  });
});

describe('summarize, chartSpan, stepPath and chartText', () => {
  const samples = [
    { at: 0, bytesPerSecond: 1000 },
    { at: 2000, bytesPerSecond: 4000 },
    { at: 3000, bytesPerSecond: 0 },
  ];

  it('gives the last and the highest speed, and spans what the samples cover', () => {
    expect(summarize(samples)).toEqual({ now: 0, peak: 4000, since: 0 });
    expect(summarize([])).toEqual({ now: 0, peak: 0, since: undefined });
    expect(chartSpan(samples, 5000)).toBe(60_000);
    expect(chartSpan(samples, 200_000)).toBe(200_000);
    expect(chartSpan(samples, 3_600_000)).toBe(600_000);
  });

  it('draws each speed back to the sample before (the first over 10 s), the peak at the top', () => {
    // The window 20 s back from 10 s: the first sample's 10 s start at the left edge.
    expect(stepPath(samples, 10_000, 20_000, 4000)).toBe(
      'M0.0,60 L0.0,45.5 L150.0,45.5 L150.0,2.0 L180.0,2.0 L180.0,60.0 L195.0,60.0 L195.0,60 Z',
    );
    // A window shorter than that: clipped at the left edge.
    expect(stepPath(samples, 5000, 5000, 4000)).toMatch(/^M0.0,60 L0.0,45.5 L0.0,45.5 L0.0,2.0 L120.0,2.0 /);
    expect(stepPath([], 5000, 5000, 4000)).toBeUndefined();
  });

  it('says in words what the chart shows', () => {
    expect(chartText(samples, 5000)).toBe(
      'Now 0 B/s, peak 3.9 KiB/s in the last 5 s (since this page was opened, at most 10 min).',
    );
    expect(chartText([], 5000)).toMatch(/^No sample yet/);
  });
});
