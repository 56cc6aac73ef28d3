import { FerryError, readDeviceStatus } from '@ferry/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { Reporter } from './reporter.js';

describe('Reporter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function attached() {
    const doc = new Y.Doc();
    const lines: string[] = [];
    const reporter = new Reporter({ clock: Date.now, log: (line) => lines.push(line) });
    let writes = 0;
    doc.on('update', () => writes++);
    reporter.attach(doc);
    return { doc, reporter, lines, writes: () => writes };
  }

  it('writes the status doc at most once a second however busy it is', () => {
    const { doc, reporter, writes } = attached();
    const start = writes();
    const line = reporter.fileStarted('c1', 'big.bin', 10_000_000);
    for (let ms = 0; ms < 5000; ms += 10) {
      line.bytes(1000);
      vi.advanceTimersByTime(10);
    }
    line.end();
    vi.advanceTimersByTime(1000);
    expect(writes() - start).toBeGreaterThanOrEqual(4);
    expect(writes() - start).toBeLessThanOrEqual(6);
    const status = readDeviceStatus(doc);
    expect(status).toMatchObject({ state: 'active', current: [] });
    expect(reporter.bytesDownloaded).toBe(500_000);
  });

  it('shows the files in flight, a bounded list of recent errors and each rename once', () => {
    const { doc, reporter, lines } = attached();
    reporter.fileStarted('c1', 'a.txt', 10);
    for (let i = 0; i < 25; i++) reporter.error('c1', new FerryError('TRANSIENT', `try ${i}`), 'a.txt');
    reporter.error('c2', new Error('boom'));
    reporter.renamed('c1', 'a:b', 'a%3Ab');
    reporter.renamed('c1', 'a:b', 'a%3Ab');
    vi.advanceTimersByTime(1000);
    const status = readDeviceStatus(doc);
    expect(status?.current).toEqual([{ container: 'c1', path: 'a.txt', size: 10, bytes: 0 }]);
    expect(status?.errors).toHaveLength(20);
    expect(status?.errors.at(-1)).toBe('c2: FERRY_INTERNAL: Error: boom');
    expect(status?.errors.at(-2)).toBe('c1 a.txt: FERRY_TRANSIENT: try 24');
    expect(status?.renamed).toEqual(['c1/a:b -> c1/a%3Ab']);
    expect(lines.filter((line) => line.startsWith('renamed'))).toHaveLength(1);
  });

  it('never prints a cloud name raw: control characters (a terminal escape) come out escaped', () => {
    const { doc, reporter, lines } = attached();
    reporter.renamed('c1', 'evil\u001b[2J\u0007.txt', 'evil%1B[2J%07.txt');
    vi.advanceTimersByTime(1000);
    const shown = 'c1/evil\\u001b[2J\\u0007.txt -> c1/evil%1B[2J%07.txt';
    expect(readDeviceStatus(doc)?.renamed).toEqual([shown]);
    expect(lines).toContain(`renamed ${shown}`);
    expect([...lines.join('')].some((c) => (c.codePointAt(0) as number) < 0x20)).toBe(false);
  });

  it("follows each file's bytes, from the resumed offset on", () => {
    const { doc, reporter } = attached();
    const first = reporter.fileStarted('c1', 'a.bin', 1000);
    const second = reporter.fileStarted('c2', 'b.bin', 500);
    first.resumedAt(600);
    first.bytes(100);
    second.bytes(50);
    second.bytes(25);
    vi.advanceTimersByTime(1000);
    expect(readDeviceStatus(doc)?.current).toEqual([
      { container: 'c1', path: 'a.bin', size: 1000, bytes: 700 },
      { container: 'c2', path: 'b.bin', size: 500, bytes: 75 },
    ]);
    expect(reporter.bytesDownloaded).toBe(175);
    first.bytes(300);
    first.end();
    vi.advanceTimersByTime(1000);
    expect(readDeviceStatus(doc)?.current).toEqual([
      { container: 'c2', path: 'b.bin', size: 500, bytes: 75 },
    ]);
  });

  it('idle once nothing is in flight; room on the disk does not make an idle device active', () => {
    const { doc, reporter, lines } = attached();
    reporter.space('active', 500, 100);
    const line = reporter.fileStarted('c1', 'a.bin', 10);
    reporter.idle(); // another container has nothing to do: this file still runs
    vi.advanceTimersByTime(1000);
    expect(readDeviceStatus(doc)?.state).toBe('active');
    line.end();
    reporter.idle();
    reporter.space('active', 500, 100); // the next pass checks the space again
    vi.advanceTimersByTime(1000);
    expect(readDeviceStatus(doc)?.state).toBe('idle');
    expect(lines.filter((text) => text.startsWith('active'))).toHaveLength(1);
    reporter.space('inactive', 50, 100);
    reporter.space('active', 500, 100);
    expect(readDeviceStatus(doc)?.state).toBe('active');
  });

  it('a change of state is written at once, not after the interval', () => {
    const { doc, reporter } = attached();
    reporter.space('inactive', 10, 100);
    expect(readDeviceStatus(doc)).toMatchObject({ state: 'inactive', freeBytes: 10, minFreeBytes: 100 });
    reporter.space('active', 500, 100);
    expect(readDeviceStatus(doc)?.state).toBe('active');
  });

  it("clears a container's FERRY_AUTH lines once one of its files is fetched again, and shows 0 B/s when idle", () => {
    const { doc, reporter } = attached();
    reporter.error('c1', new FerryError('AUTH', 'token refused'));
    reporter.error('c2', new FerryError('AUTH', 'token refused'));
    reporter.error('c1', new FerryError('TRANSIENT', 'reset'));
    const done = reporter.fileStarted('c1', 'a.bin', 4000);
    done.bytes(4000);
    done.end();
    reporter.fetched('c1');
    vi.advanceTimersByTime(1000);
    expect(readDeviceStatus(doc)?.errors).toEqual([
      'c2: FERRY_AUTH: token refused',
      'c1: FERRY_TRANSIENT: reset',
    ]);
    expect(readDeviceStatus(doc)?.bytesPerSecond).toBeGreaterThan(0);
    reporter.idle();
    vi.advanceTimersByTime(11_000);
    expect(readDeviceStatus(doc)?.bytesPerSecond).toBe(0);
  });
});
