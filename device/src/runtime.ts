import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { checkName, FerryError, isFerryError } from '@ferry/core';
import { createProvider } from '@ferry/core/providers';
import { type AgentTiming, autoParallel, DeviceAgent, type DeviceContainer, type Parallel } from './agent.js';
import { readContainers, writeContainers } from './containers-file.js';
import { type DiskIO, nodeDisk } from './disk-io.js';
import { DiskState } from './disk-state.js';
import { type DeviceIdentity, readIdentity, stateFolder, writeIdentity } from './identity.js';
import { DevicePage } from './page.js';
import { containerPaths, probeDiskTarget } from './paths.js';
import { RelayClient } from './relay-client.js';
import { SyncedReplica } from './replica.js';

export interface DeviceRunOptions {
  /** http(s) base URL of the relay. */
  relayUrl: string;
  diskRoot: string;
  /** Device name on the relay (default: this machine's host name, made a valid name). */
  name?: string;
  /** One-time code from `ferry pair`. */
  pairCode?: string;
  minFreeBytes: number;
  parallel: Parallel | 'auto';
  /** Port of the device's own page; undefined for none, 0 for any free port. */
  port?: number;
  host?: string;
  log: (line: string) => void;
  /**
   * `ferry up`: the relay runs in this process and has already checked the disk's token, so a
   * disk bound under another URL of the same relay (another port) just follows it.
   */
  adoptRelayUrl?: boolean;
  /** `ferry up`: the relay is in this process and binds the device without a code. */
  bindInProcess?: (device: string) => Promise<{ user: string; token: string }>;
  disk?: DiskIO;
  timing?: AgentTiming;
  /**
   * Seals the container list the device keeps on the disk (it holds cloud credentials): a key of
   * this host, never stored on the disk (`ferry device`: `<config>/device.key`).
   */
  cacheKey: Buffer;
}

export interface RunningDevice {
  /** URL of the device's page, when it has one. */
  pageUrl?: string;
  /** Resolves once the disk is bound and the agent runs. */
  ready: Promise<void>;
  identity(): DeviceIdentity | undefined;
  agent(): DeviceAgent | undefined;
  close(): Promise<void>;
}

/**
 * `ferry device`: opens the disk's own state, binds the disk to a user once (pairing code, the
 * page's login form, or in-process for `ferry up`), then runs the agent. Works offline from the
 * disk's replica whenever the relay cannot be reached.
 */
export async function startDevice(options: DeviceRunOptions): Promise<RunningDevice> {
  const diskRoot = resolve(options.diskRoot);
  const disk = options.disk ?? nodeDisk;
  const state = await DiskState.open(diskRoot);
  let identity = await readIdentity(diskRoot).catch(async (error) => {
    await state.close();
    throw error;
  });
  if (identity && !sameRelay(identity.relay, options.relayUrl) && options.adoptRelayUrl) {
    identity = { ...identity, relay: options.relayUrl };
    await writeIdentity(diskRoot, identity);
  }
  if (identity && !sameRelay(identity.relay, options.relayUrl)) {
    await state.close();
    throw new FerryError(
      'CONFLICT',
      `the disk ${diskRoot} is bound to the relay ${identity.relay}, not ${options.relayUrl}`,
      `run with --relay ${identity.relay}, or remove ${join(stateFolder(diskRoot), 'device.json')} to bind it anew`,
    );
  }
  const deviceName = identity?.device ?? options.name ?? defaultDeviceName();
  checkName('device', deviceName);

  let agent: DeviceAgent | undefined;
  /** The agent being started (disk probe, first sync of its status doc): close() waits for it. */
  let starting: Promise<DeviceAgent> | undefined;
  let closed = false;
  let page: DevicePage | undefined;

  const bindWith = async (bound: { user: string; token: string; device: string }) => {
    const fresh: DeviceIdentity = {
      relay: options.relayUrl,
      device: bound.device,
      user: bound.user,
      token: bound.token,
    };
    await writeIdentity(diskRoot, fresh);
    identity = fresh;
    options.log(`bound this disk as device ${fresh.device} of user ${fresh.user} on ${fresh.relay}`);
    return fresh;
  };

  let onBound: (identity: DeviceIdentity) => void = () => {};
  const bound = new Promise<DeviceIdentity>((resolveBound) => {
    onBound = resolveBound;
  });
  if (options.port !== undefined) {
    page = new DevicePage({
      host: options.host ?? '127.0.0.1',
      port: options.port,
      deviceName,
      relayUrl: options.relayUrl,
      status: () => ({
        bound: identity !== undefined,
        device: identity?.device ?? deviceName,
        user: identity?.user,
        relay: identity?.relay ?? options.relayUrl,
        containers: agent?.containers() ?? [],
        status: agent?.reporter.snapshot(),
      }),
      bind: async (user, password, device) => {
        if (identity) throw new FerryError('CONFLICT', 'this disk is already bound');
        const fresh = await bindWith(await new RelayClient(options.relayUrl).bind(user, password, device));
        onBound(fresh);
        return fresh;
      },
    });
    await page.listen();
  }

  const ready = (async () => {
    if (identity) onBound(identity);
    else if (options.pairCode)
      onBound(await bindWith(await new RelayClient(options.relayUrl).pair(options.pairCode, deviceName)));
    else if (options.bindInProcess)
      onBound(await bindWith({ ...(await options.bindInProcess(deviceName)), device: deviceName }));
    else
      options.log(
        page
          ? `not bound yet: open ${page.url} and log in to bind this disk, or restart with --pair CODE (from ferry pair)`
          : 'not bound yet: restart with --pair CODE (from ferry pair)',
      );
    const me = await bound;
    if (closed) return;
    starting = runAgent(me);
    agent = await starting;
  })();
  ready.catch((error) => options.log(`device stopped: ${describe(error)}`));

  async function runAgent(me: DeviceIdentity): Promise<DeviceAgent> {
    const client = new RelayClient(me.relay, me.token);
    const replica = new SyncedReplica({
      docs: state.docs,
      dirty: state.dirty,
      relay: {
        url: client.wsUrl,
        token: me.token,
        onRefused: (doc, code, reason) => options.log(`the relay refused ${doc} (${code}): ${reason}`),
      },
      log: options.log,
    });
    const parallel =
      options.parallel === 'auto' ? autoParallel(undefined, await probeDiskMBps(diskRoot)) : options.parallel;
    const target = await probeDiskTarget(diskRoot);
    const written: ContainerCache = {};
    const created = new DeviceAgent({
      device: me.device,
      diskRoot,
      disk,
      replica,
      ledger: state.ledger,
      minFreeBytes: options.minFreeBytes,
      parallel,
      containers: () => containersOf(client, diskRoot, options.cacheKey, options.log, written),
      containerChanges: (signal) => containerChanges(client, written, signal),
      createProvider: (name, providerOptions) => createProvider(name, providerOptions),
      pathMapper: (container) => containerPaths(replica, container, target),
      log: options.log,
      timing: options.timing,
    });
    await created.start();
    options.log(
      `device ${me.device} working on ${diskRoot} (min free ${options.minFreeBytes} bytes, ${parallel === 'serial' ? 'serial' : `${parallel} files at once`})`,
    );
    return created;
  }

  return {
    pageUrl: page?.url,
    ready: ready.then(() => undefined),
    identity: () => identity,
    agent: () => agent,
    async close() {
      closed = true;
      // A stop that lands while the agent starts (just after binding) closes it once started: left
      // running, its loops and its link to the relay would keep the process alive.
      const started = agent ?? (await starting?.catch(() => undefined));
      await started?.close().catch((error) => options.log(`closing the agent: ${describe(error)}`));
      await page?.close();
      await state.close();
    },
  };
}

/** What the device last learned of its container list: its text on the disk, the relay's version. */
interface ContainerCache {
  last?: string;
  version?: string;
  unreadableSaid?: boolean;
}

/**
 * Resolves when the relay answers a wait on the list the device holds: at once when it changes,
 * else after the relay's wait. Rejects when there is nothing to wait on (no version yet, the relay
 * away) or the relay does not hold the request (an older relay answering at once), so the agent
 * falls back to asking every few seconds.
 */
async function containerChanges(
  client: RelayClient,
  written: ContainerCache,
  signal: AbortSignal,
): Promise<void> {
  const held = written.version;
  if (held === undefined) throw new FerryError('TRANSIENT', 'no container list from the relay yet');
  const started = Date.now();
  const { version } = await client.containers(held, signal);
  if (version === held && Date.now() - started < 1000)
    throw new FerryError('TRANSIENT', 'the relay does not hold a wait on the container list');
}

/**
 * The relay's list when it answers (and a copy on the disk), the disk's copy when it does not: a
 * relay that is down must not stop the downloads. A device the relay no longer knows gets none.
 */
async function containersOf(
  client: RelayClient,
  diskRoot: string,
  cacheKey: Buffer,
  log: (line: string) => void,
  written: ContainerCache,
): Promise<DeviceContainer[]> {
  try {
    const { containers, version } = await client.containers();
    written.version = version;
    // Written only when it changed: the list is asked every few seconds, the disk may be an SD card.
    const text = JSON.stringify(containers);
    if (text !== written.last) {
      await writeContainers(diskRoot, cacheKey, containers);
      written.last = text;
    }
    return containers;
  } catch (error) {
    if (isFerryError(error, 'UNAUTHORIZED')) {
      log('the relay no longer knows this device (unbound?): nothing to fetch');
      return [];
    }
    const cached = await readContainers(diskRoot, cacheKey);
    if (Array.isArray(cached)) return cached;
    if (cached === 'unreadable' && !written.unreadableSaid) {
      written.unreadableSaid = true;
      log(
        'the container list saved on this disk was sealed on another host (or is damaged): waiting for the relay',
      );
    }
    throw error;
  }
}

/** Host name as a device name: `Jo's NAS.local` → `Jo-s-NAS`. */
export function defaultDeviceName(host = hostname()): string {
  const cleaned =
    host
      .split('.')[0]
      ?.replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '') ?? '';
  return cleaned.slice(0, 64) || 'device';
}

function sameRelay(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function describe(error: unknown): string {
  return isFerryError(error)
    ? `${error.message} (${error.id})`
    : error instanceof Error
      ? error.message
      : String(error);
}

/** Writes and fsyncs 16 MiB under `.ferry/` and times it: the `auto` parallelism needs a rough MB/s. */
export async function probeDiskMBps(diskRoot: string): Promise<number | undefined> {
  const { open, rm } = await import('node:fs/promises');
  const target = join(stateFolder(diskRoot), 'write-probe.tmp');
  const chunk = Buffer.alloc(1 << 20, 0x5a);
  const started = performance.now();
  try {
    const handle = await open(target, 'w');
    try {
      for (let i = 0; i < 16; i++) await handle.write(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return 16 / ((performance.now() - started) / 1000);
  } catch {
    return undefined;
  } finally {
    await rm(target, { force: true });
  }
}
