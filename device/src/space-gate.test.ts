import { tmpdir } from 'node:os';
import { deviceDocName, readDeviceStatus } from '@ferry/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { nodeDisk } from './disk-io.js';
import { type DiskFaults, faultyDisk } from './faulty-disk.js';
import { Reporter } from './reporter.js';
import { sleep } from './slots.js';
import { SpaceGate } from './space-gate.js';

const MIN = 1_000_000;

function gate(
  faults: DiskFaults,
  clock: () => number = Date.now,
  timing: { recheckMs?: number; activeCheckMs?: number } = {},
) {
  const lines: string[] = [];
  const doc = new Y.Doc({ guid: deviceDocName('dev1') });
  const reporter = new Reporter({ clock, log: (line) => lines.push(line), intervalMs: 1 });
  reporter.attach(doc);
  const space = new SpaceGate({
    disk: faultyDisk(nodeDisk, faults),
    diskRoot: tmpdir(),
    minFreeBytes: MIN,
    recheckMs: timing.recheckMs ?? 5,
    activeCheckMs: timing.activeCheckMs ?? 5,
    reporter,
    clock,
  });
  opened.push(space, reporter);
  return { space, lines, status: () => readDeviceStatus(doc) };
}

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const item of opened.splice(0)) item.close();
});

/** Whether the promise settles within a few turns of the timers (used only for "not yet"). */
async function settles(promise: Promise<unknown>, ms = 30): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await sleep(ms);
  return settled;
}

describe('SpaceGate', () => {
  it('waits Inactive below --min-free, says so with the free bytes, and opens when space returns', async () => {
    const faults: DiskFaults = { freeBytes: MIN - 1 };
    const { space, status, lines } = gate(faults);
    const stop = new AbortController();
    const open = space.ensure(stop.signal);
    expect(await settles(open)).toBe(false);
    expect(space.ok).toBe(false);
    expect(status()).toMatchObject({ state: 'inactive', freeBytes: MIN - 1, minFreeBytes: MIN });
    expect(lines).toContain(`inactive: ${MIN - 1} bytes free, below --min-free ${MIN}`);

    faults.freeBytes = MIN;
    await open;
    expect(space.ok).toBe(true);
    expect(status()).toMatchObject({ state: 'active', freeBytes: MIN });
  });

  it('the periodic check aborts the files in flight when the disk runs low while working', async () => {
    const faults: DiskFaults = { freeBytes: 5 * MIN };
    const { space, status } = gate(faults);
    await space.ensure(new AbortController().signal);
    const inFlight = space.signal;
    expect(inFlight.aborted).toBe(false);
    faults.freeBytes = 10;
    await new Promise<void>((resolve) => inFlight.addEventListener('abort', () => resolve(), { once: true }));
    expect(space.ok).toBe(false);
    expect(status()?.state).toBe('inactive');
    // Space back: a fresh signal for the next files, the old one stays aborted.
    faults.freeBytes = 5 * MIN;
    await space.ensure(new AbortController().signal);
    expect(space.signal.aborted).toBe(false);
    expect(inFlight.aborted).toBe(true);
  });

  it('after ENOSPC it stays Inactive for a recheck period even when statfs shows room', async () => {
    let now = 1_000;
    const { space, status, lines } = gate({ freeBytes: 5 * MIN }, () => now);
    await space.ensure(new AbortController().signal);
    const inFlight = space.signal;
    space.reportFull();
    expect(inFlight.aborted).toBe(true);
    const open = space.ensure(new AbortController().signal);
    expect(await settles(open)).toBe(false);
    expect(status()?.state).toBe('inactive');
    expect(lines.some((line) => line.startsWith('inactive: the disk refused a write'))).toBe(true);
    now += 5;
    await open;
    expect(status()?.state).toBe('active');
  });

  it('the periodic check of an Active disk stands down once a write is refused, and says nothing', async () => {
    // A long recheck: only the periodic check (every 5 ms) could write the status meanwhile.
    const { space, status } = gate({ freeBytes: 5 * MIN }, () => 1_000, { recheckMs: 60_000 });
    await space.ensure(new AbortController().signal);
    space.reportFull();
    const stop = new AbortController();
    const open = space.ensure(stop.signal);
    expect(await settles(open, 60)).toBe(false);
    expect(status()?.state).toBe('inactive');
    expect(space.ok).toBe(false);
    stop.abort(new Error('device stopping'));
    await expect(open).rejects.toThrow('device stopping');
  });

  it('an abort ends the wait', async () => {
    const { space } = gate({ freeBytes: 0 });
    const stop = new AbortController();
    const open = space.ensure(stop.signal);
    stop.abort(new Error('device stopping'));
    await expect(open).rejects.toThrow('device stopping');
  });
});
