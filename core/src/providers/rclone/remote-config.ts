import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FerryError } from '../../errors.js';

/**
 * A remote's settings given inline (`remoteConfig`): the lines `rclone config show NAME` prints,
 * OAuth token included. The account keeps them (encrypted on the relay and on the device), and
 * each relay or device that runs the provider writes them to a private rclone.conf of its own,
 * so an OAuth cloud set up once with `rclone config` on any machine with a browser works on every
 * host of the container without copying rclone.conf around.
 */

/** `key = value` lines, checked; the section header is Ferry's (`[remote]`). */
export function parseRemoteConfig(text: string): string[] {
  const lines: string[] = [];
  let sawType = false;
  const raw = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < raw.length; i++) {
    const line = (raw[i] as string).trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    // The header rclone prints (`[gdrive]`), once and first: the name that counts is `remote`.
    if (/^\[[^\]]*\]$/.test(line) && lines.length === 0 && !sawType) continue;
    const match = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (match === null)
      // Never the line itself: it may hold a token.
      throw new FerryError(
        'BAD_PROVIDER_OPTIONS',
        `rclone: remoteConfig line ${i + 1} is not \`key = value\``,
        'paste what `rclone config show NAME` prints for the remote',
      );
    if (match[1] === 'type') sawType = true;
    lines.push(`${match[1]} = ${match[2]}`);
  }
  if (!sawType)
    throw new FerryError(
      'BAD_PROVIDER_OPTIONS',
      'rclone: remoteConfig has no `type = …` line',
      'paste what `rclone config show NAME` prints for the remote',
    );
  return lines;
}

/** A private rclone.conf (folder 0700, file 0600) holding the one remote; `remove()` deletes it. */
export async function writePrivateConfig(
  remote: string,
  lines: readonly string[],
): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ferry-rclone-'));
  const path = join(dir, 'rclone.conf');
  await writeFile(path, `[${remote}]\n${lines.join('\n')}\n`, { mode: 0o600 });
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
