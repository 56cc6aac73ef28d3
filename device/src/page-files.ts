import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `npm run build -w @ferry/webui` writes the device page (device.html) and its assets. */
export const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../../webui/dist/', import.meta.url));

/** The built page's file in that folder (webui/device.html, a second vite entry beside the panel). */
export const PAGE_FILE = 'device.html';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The built page talks to its own origin only: no external scripts, fonts or CDNs, no framing.
 * Inline styles stay allowed for the bars' widths (Lit style attributes). Same rules as the
 * relay's panel (relay/src/routes/panel.ts).
 */
export const BUILT_PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** One plain file name, as vite writes them under assets/ (`device-D1b7MIzs.js`). Nothing else is served. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

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
  if (!ASSET_NAME.test(name)) return undefined;
  const body = await readFile(join(dir, 'assets', name)).catch(() => undefined);
  if (body === undefined) return undefined;
  return { body, type: CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream' };
}
