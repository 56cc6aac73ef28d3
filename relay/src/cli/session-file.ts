import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FerryError, resolveConfigDir } from '@ferry/core';

/** What `ferry login` keeps: `<config>/login.json`, mode 0600 (it holds a session token). */
export interface SavedLogin {
  relay: string;
  user: string;
  token: string;
}

export const LOGIN_FILE = 'login.json';

export function configDirOf(
  configFlag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  return resolveConfigDir(configFlag, env, env.HOME ?? homedir());
}

export async function saveLogin(configDir: string, login: SavedLogin): Promise<string> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  const path = join(configDir, LOGIN_FILE);
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
  return path;
}

export async function readLogin(configDir: string): Promise<SavedLogin | undefined> {
  let text: string;
  try {
    text = await readFile(join(configDir, LOGIN_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SavedLogin>;
    if (
      typeof parsed.relay === 'string' &&
      typeof parsed.user === 'string' &&
      typeof parsed.token === 'string'
    )
      return { relay: parsed.relay, user: parsed.user, token: parsed.token };
  } catch {
    // fall through: a broken file is reported below, never echoed (it may hold a token).
  }
  throw new FerryError(
    'BAD_INPUT',
    `${join(configDir, LOGIN_FILE)} is not a saved login`,
    'run ferry login again',
  );
}

/** Same relay whatever the trailing slash. */
export function sameRelay(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}
