import { FerryError, type Runner, readSecret } from '@ferry/core';
import type { ContainerStatusView, DeviceStatusView } from '../status.js';
import { formatStatus, formatTime, table } from './format.js';
import { apiCall, relayTarget } from './http.js';
import { configDirOf, saveLogin } from './session-file.js';

/** Runners of the client commands: each is one or two HTTP calls to the relay. */

export const runLogin: Runner = async (parsed, io) => {
  const secret = parsed.command.secrets?.[0];
  if (!secret) throw new FerryError('INTERNAL', 'login has no password spec');
  const password = await readSecret(secret, io);
  const relay = parsed.flags.relay as string;
  const user = parsed.flags.user as string;
  const answer = await apiCall<{ user: string; token: string }>(
    { relay },
    'POST',
    '/api/login',
    { user, password },
    io.signal,
  );
  const path = await saveLogin(configDirOf(parsed.flags.config as string | undefined, io.env), {
    relay,
    user: answer.user,
    token: answer.token,
  });
  io.stdout.write(`logged in to ${relay} as ${answer.user} (token kept in ${path})\n`);
  return 0;
};

export const runPair: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const { code, expiresAt } = await apiCall<{ code: string; expiresAt: number }>(
    target,
    'POST',
    '/api/pairing-codes',
    undefined,
    io.signal,
  );
  io.stdout.write(
    `${code}\nvalid until ${formatTime(expiresAt)}, once: on the device run ferry device --relay ${target.relay} --pair ${code} --disk DIR\n`,
  );
  return 0;
};

interface DeviceListed {
  name: string;
  label?: string;
  bound: boolean;
  createdAt: number;
  lastSeen?: number;
}

export const runDevicesList: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const { devices } = await apiCall<{ devices: DeviceListed[] }>(
    target,
    'GET',
    '/api/devices',
    undefined,
    io.signal,
  );
  io.stdout.write(
    table(
      ['DEVICE', 'LABEL', 'BOUND', 'LAST SEEN', 'PAIRED'],
      devices.map((d) => [
        d.name,
        d.label ?? '-',
        d.bound ? 'yes' : 'no (pair again)',
        formatTime(d.lastSeen ?? null),
        formatTime(d.createdAt),
      ]),
    ),
  );
  return 0;
};

export const runDevicesRename: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  const device = await apiCall<DeviceListed>(
    target,
    'PATCH',
    `/api/devices/${encodeURIComponent(name)}`,
    { label: parsed.flags.label as string },
    io.signal,
  );
  io.stdout.write(
    device.label
      ? `device ${name} is now shown as "${device.label}"\n`
      : `device ${name} has no label any more\n`,
  );
  return 0;
};

export const runDevicesUnbind: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  await apiCall(target, 'DELETE', `/api/devices/${encodeURIComponent(name)}`, undefined, io.signal);
  io.stdout.write(
    `device ${name} unbound: its token no longer works (files on its disk stay; pair again to use it)\n`,
  );
  return 0;
};

/** `--set key=value` items → an options object (values stay text; the provider schema types them). */
export function parseSetFlags(items: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new FerryError('USAGE', `--set takes KEY=VALUE, got '${item.split('=')[0]}...'`);
    const key = item.slice(0, eq);
    if (key in options) throw new FerryError('USAGE', `--set ${key} is given twice`);
    options[key] = item.slice(eq + 1);
  }
  return options;
}

export const runAccountAdd: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  const options = parseSetFlags((parsed.flags.set as string[] | undefined) ?? []);
  await apiCall(
    target,
    'POST',
    '/api/accounts',
    { name, provider: parsed.flags.provider, options },
    io.signal,
  );
  io.stdout.write(`account ${name} saved (a test listing worked)\n`);
  return 0;
};

export const runAccountUpdate: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  const options: Record<string, string | null> = parseSetFlags(
    (parsed.flags.set as string[] | undefined) ?? [],
  );
  for (const key of (parsed.flags.unset as string[] | undefined) ?? []) {
    if (key in options)
      throw new FerryError('USAGE', `--set ${key} and --unset ${key} contradict each other`);
    options[key] = null;
  }
  if (Object.keys(options).length === 0)
    throw new FerryError('USAGE', 'nothing to change', 'give --set KEY=VALUE or --unset KEY');
  await apiCall(target, 'PATCH', `/api/accounts/${encodeURIComponent(name)}`, { options }, io.signal);
  io.stdout.write(`account ${name} updated (a test listing worked); its containers go on with it\n`);
  return 0;
};

export const runAccountList: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const { accounts } = await apiCall<{ accounts: { name: string; provider: string; createdAt: number }[] }>(
    target,
    'GET',
    '/api/accounts',
    undefined,
    io.signal,
  );
  io.stdout.write(
    table(
      ['ACCOUNT', 'PROVIDER', 'CREATED'],
      accounts.map((a) => [a.name, a.provider, formatTime(a.createdAt)]),
    ),
  );
  return 0;
};

export const runAccountRemove: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  await apiCall(target, 'DELETE', `/api/accounts/${encodeURIComponent(name)}`, undefined, io.signal);
  io.stdout.write(`account ${name} removed\n`);
  return 0;
};

export const runContainerAdd: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  const body: Record<string, unknown> = {
    name,
    account: parsed.flags.account,
    device: parsed.flags.device,
  };
  if (parsed.flags.folder !== undefined) body.folder = parsed.flags.folder;
  if (parsed.flags['group-size'] !== undefined) body.groupSize = parsed.flags['group-size'];
  if (parsed.flags['crawl-interval'] !== undefined) body.crawlIntervalMs = parsed.flags['crawl-interval'];
  await apiCall(target, 'POST', '/api/containers', body, io.signal);
  io.stdout.write(`container ${name} added; its first crawl is running (ferry status)\n`);
  return 0;
};

export const runContainerList: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const { containers } = await apiCall<{
    containers: { name: string; account: string; folder: string; device: string; groupSize: number }[];
  }>(target, 'GET', '/api/containers', undefined, io.signal);
  io.stdout.write(
    table(
      ['CONTAINER', 'ACCOUNT', 'FOLDER', 'DEVICE', 'GROUP SIZE'],
      containers.map((c) => [c.name, c.account, `/${c.folder}`, c.device, String(c.groupSize)]),
    ),
  );
  return 0;
};

export const runContainerRemove: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  await apiCall(target, 'DELETE', `/api/containers/${encodeURIComponent(name)}`, undefined, io.signal);
  io.stdout.write(`container ${name} removed (files already on the disk stay)\n`);
  return 0;
};

export const runCrawl: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const name = parsed.positionals.NAME as string;
  await apiCall(target, 'POST', `/api/containers/${encodeURIComponent(name)}/crawl`, undefined, io.signal);
  io.stdout.write(`crawl of ${name} started (ferry status shows when it ends)\n`);
  return 0;
};

export const runStatus: Runner = async (parsed, io) => {
  const target = await relayTarget(parsed.flags, io.env);
  const status = await apiCall<{ devices: DeviceStatusView[]; containers: ContainerStatusView[] }>(
    target,
    'GET',
    '/api/status',
    undefined,
    io.signal,
  );
  io.stdout.write(parsed.flags.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  return 0;
};
