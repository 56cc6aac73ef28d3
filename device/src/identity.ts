import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FerryError } from '@ferry/core';

/** What makes this disk a bound device: kept in `<disk>/.ferry/device.json`, mode 0600. */
export interface DeviceIdentity {
  /** http(s) base URL of the relay the device was bound to. */
  relay: string;
  device: string;
  user: string;
  /** The device token (`fd_…`); the user's password is never kept. */
  token: string;
}

export const stateFolder = (diskRoot: string): string => join(diskRoot, '.ferry');
const identityFile = (diskRoot: string): string => join(stateFolder(diskRoot), 'device.json');

export async function readIdentity(diskRoot: string): Promise<DeviceIdentity | undefined> {
  let text: string;
  try {
    text = await readFile(identityFile(diskRoot), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<DeviceIdentity>;
  if (
    typeof parsed.relay !== 'string' ||
    typeof parsed.device !== 'string' ||
    typeof parsed.token !== 'string' ||
    typeof parsed.user !== 'string'
  )
    throw new FerryError(
      'BAD_INPUT',
      `${identityFile(diskRoot)} is damaged`,
      'remove it and pair the device again (ferry pair, then ferry device --pair CODE)',
    );
  return parsed as DeviceIdentity;
}

/** Written to a temporary name then renamed, so a power cut never leaves half a token. */
export async function writeIdentity(diskRoot: string, identity: DeviceIdentity): Promise<void> {
  await mkdir(stateFolder(diskRoot), { recursive: true });
  const target = identityFile(diskRoot);
  await writeFile(`${target}.tmp`, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  await rename(`${target}.tmp`, target);
}
