import type { Runner } from '@ferry/core';
import { FerryError } from '@ferry/core';
import {
  deviceOutput,
  lineLog,
  loadDeviceKey,
  type RunningDevice,
  readIdentity,
  startDevice,
  untilStopped,
} from '@ferry/device';
import { startRelay } from '@ferry/relay';
import { relayRuntime } from '@ferry/relay/cli';

const DEFAULT_CRAWL_INTERVAL_MS = 24 * 3600 * 1000;
const DEFAULT_GROUP_SIZE = 1000;

/**
 * `ferry up` (and `npm start`): the relay and one device in this process, for a NAS or a laptop
 * with the disk attached. The device binds itself to the relay's first user (created in the panel's
 * first-run page, or with `ferry user add`) without a pairing code: both run as the same owner.
 */
export const runUp: Runner = async (parsed, io) => {
  // On a terminal the relay's log lines go above the device's status line too.
  let device: RunningDevice | undefined;
  const output = deviceOutput(io, () => device);
  try {
    return await runBoth(parsed, { ...io, stdout: output.stdout }, (running) => {
      device = running;
    });
  } finally {
    output.stop();
  }
};

async function runBoth(
  parsed: Parameters<Runner>[0],
  io: Parameters<Runner>[1],
  started: (device: RunningDevice | undefined) => void,
): Promise<number> {
  const log = lineLog(io);
  const diskRoot = parsed.flags.disk as string;
  const dataDir = parsed.flags.data as string;
  const relay = await startRelay({
    dataDir,
    host: parsed.flags.host as string,
    port: parsed.flags.port as number,
    crawlIntervalMs: DEFAULT_CRAWL_INTERVAL_MS,
    groupSize: DEFAULT_GROUP_SIZE,
    logger: { level: io.env.FERRY_LOG_LEVEL ?? 'warn', stream: io.stdout },
    env: io.env as NodeJS.ProcessEnv,
    ...relayRuntime(),
  });
  try {
    // A disk bound earlier keeps its identity when it belongs to this relay (the URL may differ
    // from run to run); a disk of another relay is refused rather than silently emptied.
    const known = await readIdentity(diskRoot);
    if (known) {
      const principal = await relay.auth.authenticate(known.token);
      if (principal?.kind !== 'device' || principal.device !== known.device)
        throw new FerryError(
          'CONFLICT',
          `the disk ${diskRoot} is bound to another relay (${known.relay})`,
          'use another --disk, or run ferry device --relay with that relay',
        );
    }
    log(`panel: ${relay.url}`);
    if (!(await relay.auth.firstUser()))
      log(
        `no user yet: open ${relay.url} to create the first one (or ferry user add); this disk then binds to it`,
      );
    const device = await startDevice({
      // The relay's data folder is this host's: the device's key lives there too.
      cacheKey: await loadDeviceKey(dataDir),
      relayUrl: relay.url,
      adoptRelayUrl: true,
      diskRoot,
      minFreeBytes: parsed.flags['min-free'] as number,
      parallel: parsed.flags.parallel as number | 'serial' | 'auto',
      log,
      timing: { recheckMs: parsed.flags.recheck as number },
      bindInProcess: async (name) => {
        let user = await relay.auth.firstUser();
        while (!user) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          if (io.signal.aborted) throw new FerryError('BAD_INPUT', 'stopped before a user existed');
          user = await relay.auth.firstUser();
        }
        return relay.auth.bindOwnDevice(user, name);
      },
    });
    started(device);
    try {
      await Promise.race([device.ready, untilStopped(io.signal)]);
      await untilStopped(io.signal);
    } finally {
      log('stopping');
      started(undefined); // no status line (and no doc reads for it) while the device closes
      await device.close();
    }
  } finally {
    await relay.close();
  }
  return 0;
}
