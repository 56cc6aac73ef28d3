import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build -w @ferry/webui` writes the panel (vite's outDir). */
export const DEFAULT_PANEL_DIR = fileURLToPath(new URL('../../../webui/dist/', import.meta.url));

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
 * The panel talks to its own origin only (API and /sync websocket): no external fonts, scripts
 * or CDNs, no framing. Inline styles stay allowed for the bars' widths (Lit style attributes).
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** One plain file name: what vite writes under assets/ (`index-AefNWJy9.js`). Nothing else is served. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,200}$/;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Ferry: panel not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>The Ferry web panel is not built</h1>
<p>This relay is running, and its HTTP API answers under <code>/api/</code>, but the panel's files
are missing. Build them with <code>npm install</code> (it runs the build) or
<code>npm run build -w @ferry/webui</code>, then reload this page.</p>
</body></html>
`;

/**
 * Serves the built panel: `index.html` at `/`, vite's files under `/assets/`. Asset names are
 * checked against a plain-name pattern before any path is built, so no request reaches outside
 * the folder. Without a build, `/` answers 503 with a page saying how to build it; an unknown
 * asset is the relay's usual 404 JSON.
 */
export function panelRoutes(dir: string = DEFAULT_PANEL_DIR) {
  return async (app: FastifyInstance) => {
    const send = (reply: FastifyReply, body: Buffer | string, type: string, cache: string) =>
      reply.headers(SECURITY_HEADERS).header('content-type', type).header('cache-control', cache).send(body);

    const index = async (_request: unknown, reply: FastifyReply) => {
      const html = await readFile(join(dir, 'index.html')).catch(() => undefined);
      if (html === undefined)
        return send(reply.status(503), NOT_BUILT, CONTENT_TYPES['.html'] as string, 'no-store');
      // index.html names the hashed assets of this build: always fetch it fresh.
      return send(reply, html, CONTENT_TYPES['.html'] as string, 'no-cache');
    };
    app.get('/', index);
    app.get('/index.html', index);

    app.get('/assets/:file', async (request, reply) => {
      const { file } = request.params as { file: string };
      const body = ASSET_NAME.test(file)
        ? await readFile(join(dir, 'assets', file)).catch(() => undefined)
        : undefined;
      if (body === undefined) return reply.callNotFound();
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      // Vite puts a content hash in every asset name: a changed file gets a new name.
      return send(reply, body, type, 'public, max-age=31536000, immutable');
    });
  };
}
