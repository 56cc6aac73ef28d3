import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_PAGE_HEADERS, contentTypeOf, HTML_CONTENT_TYPE, isAssetName } from '@ferry/core';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** Where `npm run build -w @ferry/webui` writes the panel (vite's outDir). */
export const DEFAULT_PANEL_DIR = fileURLToPath(new URL('../../../webui/dist/', import.meta.url));

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
      reply
        .headers(BUILT_PAGE_HEADERS)
        .header('content-type', type)
        .header('cache-control', cache)
        .send(body);

    const index = async (_request: unknown, reply: FastifyReply) => {
      const html = await readFile(join(dir, 'index.html')).catch(() => undefined);
      if (html === undefined) return send(reply.status(503), NOT_BUILT, HTML_CONTENT_TYPE, 'no-store');
      // index.html names the hashed assets of this build: always fetch it fresh.
      return send(reply, html, HTML_CONTENT_TYPE, 'no-cache');
    };
    app.get('/', index);
    app.get('/index.html', index);

    app.get('/assets/:file', async (request, reply) => {
      const { file } = request.params as { file: string };
      const body = isAssetName(file)
        ? await readFile(join(dir, 'assets', file)).catch(() => undefined)
        : undefined;
      if (body === undefined) return reply.callNotFound();
      const type = contentTypeOf(file);
      // Vite puts a content hash in every asset name: a changed file gets a new name.
      return send(reply, body, type, 'public, max-age=31536000, immutable');
    });
  };
}
