import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contentTypeOf, isAssetName } from '@ferry/core';

/** Where `npm run build -w @ferry/webui` writes the device page (device.html) and its assets. */
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../../webui/dist/', import.meta.url));

/** The built page's file in that folder (webui/device.html, a second vite entry beside the panel). */
export const PAGE_FILE = 'device.html';

/** The built page's headers: the same rules as the relay's panel (core/src/web-assets.ts). */
export { BUILT_PAGE_HEADERS } from '@ferry/core';

export interface PageFile {
  body: Buffer;
  type: string;
}

/** The built page, or undefined when the webui was not built (a bare checkout). */
export async function readBuiltPage(dir: string): Promise<Buffer | undefined> {
  return readFile(join(dir, PAGE_FILE)).catch(() => undefined);
}

/**
 * One of the build's assets by its plain name; undefined for any other name (a path, `..`, a
 * hidden file) before a path is even built, and for a file that is not there.
 */
export async function readAsset(dir: string, name: string): Promise<PageFile | undefined> {
  if (!isAssetName(name)) return undefined;
  const body = await readFile(join(dir, 'assets', name)).catch(() => undefined);
  if (body === undefined) return undefined;
  return { body, type: contentTypeOf(name) };
}
