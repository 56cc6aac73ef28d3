import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandling } from './errors.js';
import { panelRoutes } from './panel.js';

async function appFor(dir: string): Promise<FastifyInstance> {
  const app = Fastify();
  installErrorHandling(app);
  await app.register(panelRoutes(dir));
  return app;
}

describe('panel routes', () => {
  let root: string;
  let dist: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'ferry-panel-'));
    dist = join(root, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>panel</title>');
    await writeFile(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dist, 'assets', 'style-x.css'), 'body{}');
    await writeFile(join(root, 'secret.txt'), 'do not serve');
    app = await appFor(dist);
  });
  afterAll(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves index.html at / with HTML type, no-cache and a same-origin CSP', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.body).toContain('<title>panel</title>');
  });

  it('serves assets with their content type and long caching', async () => {
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect(js.body).toBe('console.log(1)');
    const css = await app.inject({ url: '/assets/style-x.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('never leaves the folder and answers unknown files with the 404 JSON', async () => {
    for (const url of [
      '/assets/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/assets/nope.js',
      '/assets/.hidden',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('do not serve');
      expect(res.json().error.code, url).toBe('FERRY_NOT_FOUND');
    }
  });

  it('leaves unknown API paths to the 404 JSON', async () => {
    const res = await app.inject({ url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('FERRY_NOT_FOUND');
  });

  it('answers 503 with a page saying how to build when the panel is missing', async () => {
    const empty = await appFor(join(root, 'no-dist'));
    const res = await empty.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('npm run build -w @ferry/webui');
    await empty.close();
  });
});
