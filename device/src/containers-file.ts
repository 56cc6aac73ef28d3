import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encryptJson, isEncryptedBlob, tryDecryptJson } from '@ferry/core/node';
import type { DeviceContainer } from './agent.js';
import { stateFolder } from './identity.js';

/**
 * The last container list the relay gave this device, with the account options it needs to read
 * the clouds, kept in `<disk>/.ferry/containers.json` (mode 0600) so a device restarted while the
 * relay is away still knows what to fetch. The options are cloud credentials, so the file is
 * encrypted (AES-256-GCM) with a key kept on the device's host, not on the disk
 * (`<config>/device.key`, see cli.ts): a disk read elsewhere, or stolen, gives them away only with
 * the device token, which unbinding the device revokes.
 */
const file = (diskRoot: string) => join(stateFolder(diskRoot), 'containers.json');

/**
 * The saved list; `undefined` when there is none; `'unreadable'` when the file is there but not
 * sealed with this key (the disk moved to another host) or damaged: the relay's answer replaces it.
 */
export async function readContainers(
  diskRoot: string,
  key: Buffer,
): Promise<DeviceContainer[] | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(file(diskRoot), 'utf8');
  } catch {
    return undefined;
  }
  let blob: unknown;
  try {
    blob = JSON.parse(text);
  } catch {
    return 'unreadable';
  }
  if (!isEncryptedBlob(blob)) return 'unreadable';
  const parsed = tryDecryptJson<{ containers?: unknown }>(key, blob);
  return Array.isArray(parsed?.containers) ? (parsed.containers as DeviceContainer[]) : 'unreadable';
}

export async function writeContainers(
  diskRoot: string,
  key: Buffer,
  containers: DeviceContainer[],
): Promise<void> {
  const target = file(diskRoot);
  await writeFile(`${target}.tmp`, `${JSON.stringify(encryptJson(key, { containers }))}\n`, { mode: 0o600 });
  await rename(`${target}.tmp`, target);
}
