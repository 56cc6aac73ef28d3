import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolveConfigDir } from '@ferry/core';
import { loadKeyFile } from '@ferry/core/node';

/** The host key that seals the container list a device keeps on its disk (containers-file.ts). */
export const DEVICE_KEY_FILE = 'device.key';

/**
 * `<folder>/device.key`, created (mode 0600) on first use. `ferry device` keeps it in the config
 * folder of the host (`--config`, FERRY_CONFIG, else ~/.config/ferry); `ferry up` in its data
 * folder. Losing it costs nothing but the offline copy: the device asks the relay again.
 */
export function loadDeviceKey(folder: string): Promise<Buffer> {
  return loadKeyFile(
    join(folder, DEVICE_KEY_FILE),
    `remove ${DEVICE_KEY_FILE}: a new key is made and the container list is asked of the relay again`,
  );
}

/** The config folder `ferry device` keeps its key in. */
export function deviceConfigDir(
  configFlag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  return resolveConfigDir(configFlag, env, env.HOME ?? homedir());
}
