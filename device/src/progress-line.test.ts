import type { DeviceStatus } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import type { DeviceAgent } from './agent.js';
import { deviceOutput, lineLog } from './cli.js';
import { fitLine, formatProgressLine } from './progress-line.js';
import { Reporter } from './reporter.js';
import type { RunningDevice } from './runtime.js';
import { StatusLine } from './status-line.js';

const base: DeviceStatus = {
  state: 'active',
  freeBytes: 500 * 2 ** 30,
  minFreeBytes: 2 ** 30,
  updatedAt: 0,
  bytesPerSecond: 1.5 * 2 ** 20,
  current: [],
  errors: [],
  renamed: [],
};

describe('progress line', () => {
  it('shows state, files of the container, speed and the current file', () => {
    const line = formatProgressLine(
      {
        ...base,
        current: [
          { container: 'photos', path: 'a/b.jpg', bytes: 45, size: 100 },
          { container: 'photos', path: 'c.jpg', bytes: 0, size: 10 },
        ],
      },
      { files: { container: 'photos', done: 120, total: 3400 } },
    );
    expect(line).toBe('active · photos 120/3400 files · 1.50 MiB/s · photos/a/b.jpg 45% (+1 more)');
  });

  it('says why a device is inactive and counts errors; idle shows no speed', () => {
    expect(
      formatProgressLine({
        ...base,
        state: 'inactive',
        freeBytes: 2 ** 29,
        bytesPerSecond: 0,
        errors: ['x', 'y'],
      }),
    ).toBe('inactive · 512 MiB free, below --min-free 1.00 GiB · 2 errors');
    expect(formatProgressLine({ ...base, state: 'idle', bytesPerSecond: 0 })).toBe('idle');
  });

  it('escapes control characters of cloud names', () => {
    const line = formatProgressLine({
      ...base,
      current: [{ container: 'c', path: 'evil\x1b[2J.txt', bytes: 0, size: 0 }],
    });
    expect(line).not.toContain('\x1b');
    expect(line).toContain('c/evil\\u001b[2J.txt 100%');
  });

  it('fits the terminal width without wrapping', () => {
    expect(fitLine('abcde', 6)).toBe('abcde'); // columns - 1 fits as is
    expect(fitLine('abcdefgh', 6)).toBe('abcd…');
    expect(fitLine('abc', undefined)).toBe('abc');
    const long = formatProgressLine(
      {
        ...base,
        current: [{ container: 'photos', path: `${'deep/'.repeat(40)}file.jpg`, bytes: 1, size: 2 }],
      },
      { columns: 80 },
    );
    expect([...long]).toHaveLength(79);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('status line on a terminal', () => {
  function terminal() {
    const written: string[] = [];
    let text: string | undefined;
    const status = new StatusLine({
      out: { write: (chunk: string) => written.push(chunk), columns: 40 },
      render: (columns) => (text === undefined ? undefined : fitLine(text, columns)),
    });
    return { written, status, set: (next: string | undefined) => (text = next) };
  }

  it('draws nothing before there is a line, then only when the text changes', () => {
    const { written, status, set } = terminal();
    status.redraw();
    expect(written).toEqual([]);
    set('active · 1 MiB/s');
    status.redraw();
    status.redraw();
    expect(written).toEqual(['\r\x1b[2Kactive · 1 MiB/s']);
    set(undefined);
    status.redraw();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });

  it('prints log lines above the status line and redraws it below', () => {
    const { written, status, set } = terminal();
    set('idle');
    status.redraw();
    status.write('2026-01-01T00:00:00.000Z working container photos\n');
    expect(written.slice(1)).toEqual([
      '\r\x1b[2K2026-01-01T00:00:00.000Z working container photos\n',
      '\r\x1b[2Kidle',
    ]);
  });

  it('never draws into a partial line, and clears the line when stopped', () => {
    const { written, status, set } = terminal();
    set('idle');
    status.write('half a ');
    expect(written).toEqual(['half a ']);
    status.redraw();
    expect(written).toEqual(['half a ']);
    status.write('line\n');
    expect(written).toEqual(['half a ', 'line\n', '\r\x1b[2Kidle']);
    status.stop();
    expect(written.at(-1)).toBe('\r\x1b[2K');
  });
});

describe('ferry device output', () => {
  it('writes plain lines when stdout is not a terminal', () => {
    const written: string[] = [];
    const stdout = { write: (text: string) => written.push(text) };
    const output = deviceOutput({ stdout }, () => undefined);
    expect(output.stdout).toBe(stdout);
    lineLog(output)('working container photos');
    output.stop();
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\S+Z working container photos\n$/);
  });

  it("on a terminal, draws the agent reporter's state under the log lines", async () => {
    const written: string[] = [];
    const stdout = { write: (text: string) => written.push(text), isTTY: true, columns: 100 };
    const reporter = new Reporter({ clock: () => 1000, log: () => {} });
    let device: RunningDevice | undefined;
    const output = deviceOutput({ stdout }, () => device);
    try {
      lineLog(output)('device page: http://127.0.0.1:8788');
      expect(written).toHaveLength(1); // not bound yet: no status line
      const asked: string[] = [];
      const agent = {
        reporter,
        containerFiles: async (container: string) => {
          asked.push(container);
          return { container, done: 3, total: 10 };
        },
      };
      device = { agent: () => agent as unknown as DeviceAgent } as RunningDevice;
      reporter.space('active', 2 ** 40, 2 ** 30);
      reporter.fileStarted('photos', 'a.jpg', 200).bytes(50);
      lineLog(output)('working container photos');
      expect(written.slice(1)).toEqual([
        expect.stringMatching(/^\S+Z working container photos\n$/),
        '\r\x1b[2Kactive · 0 B/s · photos/a.jpg 25%',
      ]);
      await new Promise((resolve) => setImmediate(resolve)); // the counts arrive in the background
      lineLog(output)('next line');
      expect(written.at(-1)).toBe('\r\x1b[2Kactive · photos 3/10 files · 0 B/s · photos/a.jpg 25%');
      expect(asked).toEqual(['photos']); // asked again only after 2 s
    } finally {
      output.stop();
    }
    expect(written.at(-1)).toBe('\r\x1b[2K');
    lineLog(output)('device stopped');
    expect(written.at(-1)).toMatch(/^\S+Z device stopped\n$/); // plain, no status line after stop
  });
});
