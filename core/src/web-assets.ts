/**
 * What the relay's panel and the device's page share about serving the built web UI (vite's
 * output): content types, the security headers, and which asset names are served at all. Pure
 * data; each server reads the files itself.
 */

const CONTENT_TYPES: Readonly<Record<string, string>> = {
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

export const HTML_CONTENT_TYPE = CONTENT_TYPES['.html'] as string;

/** The content type of a built file by its extension; anything unknown is opaque bytes. */
export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return (dot > 0 && CONTENT_TYPES[name.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/**
 * A built page talks to its own origin only (its API and /sync websocket): no external scripts,
 * fonts or CDNs, no framing. Inline styles stay allowed for the bars' widths (Lit style attributes).
 */
export const BUILT_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * One plain file name, as vite writes them under assets/ (`index-AefNWJy9.js`): checked before any
 * path is built, so no request reaches outside the folder (no `/`, no `..`, no hidden file).
 */
export function isAssetName(name: string): boolean {
  return /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/.test(name);
}
