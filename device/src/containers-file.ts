import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceContainer } from './agent.js';
import { stateFolder } from './identity.js';

/**
 * The last container list the relay gave this device, with the account options it needs to read
 * the clouds, kept beside the device token in `<disk>/.ferry/containers.json` (mode 0600): a device
 * restarted while the relay is away still knows what to fetch. Whoever holds the disk holds the
 * backups anyway; the file is as protected as the token next to it.
 */
const file = (diskRoot: string) => join(stateFolder(diskRoot), 'containers.json');

export async function readContainers(diskRoot: string): Promise<DeviceContainer[] | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file(diskRoot), 'utf8')) as { containers?: unknown };
    return Array.isArray(parsed.containers) ? (parsed.containers as DeviceContainer[]) : undefined;
  } catch {
    // Missing or damaged: the relay's answer will replace it.
    return undefined;
  }
}

export async function writeContainers(diskRoot: string, containers: DeviceContainer[]): Promise<void> {
  const target = file(diskRoot);
  await writeFile(`${target}.tmp`, `${JSON.stringify({ containers })}\n`, { mode: 0o600 });
  await rename(`${target}.tmp`, target);
}
