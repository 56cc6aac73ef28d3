import type { CliIo, Runner } from '@ferry/core';
import type { Parallel } from './agent.js';
import { deviceConfigDir, loadDeviceKey } from './host-key.js';
import { type ContainerFiles, formatProgressLine } from './progress-line.js';
import { type RunningDevice, startDevice } from './runtime.js';
import { StatusLine } from './status-line.js';

/** Plain timestamped lines: the device runs under systemd or in a terminal just the same. */
export function lineLog(io: Pick<CliIo, 'stdout'>): (line: string) => void {
  return (line) => io.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/** How often the status line asks for the file counts of the container being worked. */
const COUNT_FILES_MS = 2_000;

/**
 * Where the device's lines go: on a terminal, a status line (state, files of the container being
 * worked, speed, current file) redrawn at most every 250 ms from the agent's reporter, with the
 * log lines printed above it; anywhere else (systemd, a pipe, a file) `io.stdout` as is, plain
 * lines only. `stop` erases the line; call it before closing the device.
 */
export function deviceOutput(
  io: Pick<CliIo, 'stdout'>,
  device: () => RunningDevice | undefined,
  clock: () => number = Date.now,
): { stdout: CliIo['stdout']; stop: () => void } {
  if (!io.stdout.isTTY) return { stdout: io.stdout, stop: () => {} };
  // The counts read two docs: asked in the background every 2 s while a file of that container is
  // in flight (its docs are open then), and shown once known.
  let files: ContainerFiles | undefined;
  let asking = false;
  let askedAt = Number.NEGATIVE_INFINITY;
  const line = new StatusLine({
    out: io.stdout,
    render: (columns) => {
      const agent = device()?.agent();
      if (!agent) return undefined;
      const status = agent.reporter.snapshot();
      const container = status.current[0]?.container;
      if (container !== undefined && !asking && clock() - askedAt >= COUNT_FILES_MS) {
        asking = true;
        askedAt = clock();
        agent
          .containerFiles(container)
          .then(
            (counted) => {
              files = counted;
            },
            () => {
              files = undefined;
            },
          )
          .finally(() => {
            asking = false;
          });
      }
      return formatProgressLine(status, {
        columns,
        files: files !== undefined && files.container === container ? files : undefined,
      });
    },
  }).start();
  return { stdout: line, stop: () => line.stop() };
}

/** Resolves when the command is asked to stop (SIGINT/SIGTERM abort io.signal). */
export function untilStopped(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * `ferry device`: binds the disk once, then works until stopped. A refusal while binding (wrong
 * pairing code, taken name) ends the command with its error; once bound, the device keeps going
 * through relay outages on its own.
 */
export const runDevice: Runner = async (parsed, io) => {
  let device: RunningDevice | undefined;
  const output = deviceOutput(io, () => device);
  const log = lineLog(output);
  try {
    const cacheKey = await loadDeviceKey(deviceConfigDir(parsed.flags.config as string | undefined, io.env));
    device = await startDevice({
      cacheKey,
      relayUrl: parsed.flags.relay as string,
      diskRoot: parsed.flags.disk as string,
      name: parsed.flags.name as string | undefined,
      pairCode: parsed.flags.pair as string | undefined,
      minFreeBytes: parsed.flags['min-free'] as number,
      parallel: parsed.flags.parallel as Parallel | 'auto',
      port: parsed.flags.port as number,
      log,
      timing: { recheckMs: parsed.flags.recheck as number },
    });
    if (device.pageUrl) log(`device page: ${device.pageUrl}`);
    try {
      await Promise.race([device.ready, untilStopped(io.signal)]);
      await untilStopped(io.signal);
    } finally {
      log('device stopping');
      output.stop(); // no status line (and no doc reads for it) while the agent closes
      await device.close();
    }
  } finally {
    output.stop();
  }
  return 0;
};
