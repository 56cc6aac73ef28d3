import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkName, type DeviceStatus, FerryError, isFerryError } from '@ferry/core';
import { BUILT_PAGE_HEADERS, DEFAULT_PAGE_DIR, readAsset, readBuiltPage } from './page-files.js';
import { DEVICE_PAGE_HTML } from './page-html.js';

export interface DevicePageState {
  bound: boolean;
  device: string;
  user?: string;
  relay: string;
  containers: string[];
  status?: DeviceStatus;
}

export interface DevicePageOptions {
  host: string;
  port: number;
  deviceName: string;
  relayUrl: string;
  status: () => DevicePageState;
  /** Sends the user's credentials to the relay once; the page keeps nothing. */
  bind: (user: string, password: string, device: string) => Promise<{ user: string; device: string }>;
  /** The webui build holding device.html and assets/ (default webui/dist); read on each request. */
  pageDir?: string;
}

const BODY_LIMIT = 16 * 1024;

/**
 * The device's own page (`--port`, default 8788): before binding, a login form that binds this disk
 * to a user of the relay (the password goes to the relay once, only the device token is kept);
 * after, the device's state, free space and current work. Loopback by default. The page is the
 * webui's Lit build (device.html, sharing the panel's components); without a build it is the plain
 * inline page of page-html.ts, which says so.
 */
export class DevicePage {
  private readonly server: Server;
  url = '';

  constructor(private readonly options: DevicePageOptions) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error) => sendError(response, error));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolveListen, reject) => {
      this.server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new FerryError('CONFLICT', `port ${this.options.port} is taken`, 'choose another with --port')
            : error,
        ),
      );
      this.server.listen(this.options.port, this.options.host, () => resolveListen());
    });
    const address = this.server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.url = `http://${host}:${address.port}`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolveClose) => this.server.close(() => resolveClose()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    if (request.method === 'GET' && (path === '/' || path === '/index.html')) {
      const built = await readBuiltPage(this.options.pageDir ?? DEFAULT_PAGE_DIR);
      if (built) {
        // device.html names the hashed assets of this build: always fetch it fresh.
        response.writeHead(200, {
          ...BUILT_PAGE_HEADERS,
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-cache',
        });
        response.end(built);
        return;
      }
      response.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy':
          "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'cache-control': 'no-cache',
      });
      response.end(DEVICE_PAGE_HTML);
      return;
    }
    if (request.method === 'GET' && path.startsWith('/assets/')) {
      const asset = await readAsset(this.options.pageDir ?? DEFAULT_PAGE_DIR, path.slice('/assets/'.length));
      if (!asset) throw new FerryError('NOT_FOUND', `no file at ${path}`);
      // Vite puts a content hash in every asset name: a changed file gets a new name.
      response.writeHead(200, {
        ...BUILT_PAGE_HEADERS,
        'content-type': asset.type,
        'cache-control': 'public, max-age=31536000, immutable',
      });
      response.end(asset.body);
      return;
    }
    if (request.method === 'GET' && path === '/api/state') {
      sendJson(response, 200, this.options.status());
      return;
    }
    if (request.method === 'POST' && path === '/api/bind') {
      this.checkSameOrigin(request);
      const body = await readJson(request);
      const user = field(body, 'user', 128);
      const password = field(body, 'password', 1024);
      const device =
        body.device === undefined || body.device === '' ? this.options.deviceName : field(body, 'device', 64);
      checkName('device', device);
      const bound = await this.options.bind(user, password, device);
      sendJson(response, 201, { user: bound.user, device: bound.device });
      return;
    }
    throw new FerryError('NOT_FOUND', `no page at ${request.method} ${path}`);
  }

  /** A page of another site must not post credentials here through the user's browser. */
  private checkSameOrigin(request: IncomingMessage): void {
    if (request.headers['content-type']?.split(';')[0]?.trim() !== 'application/json')
      throw new FerryError('BAD_INPUT', 'send the form as application/json');
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${request.headers.host}`)
      throw new FerryError('FORBIDDEN', 'a request from another site is refused');
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new FerryError('BAD_INPUT', `the body is over ${BODY_LIMIT} bytes`);
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new FerryError('BAD_INPUT', 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new FerryError('BAD_INPUT', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function field(body: Record<string, unknown>, name: string, max: number): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0)
    throw new FerryError('BAD_INPUT', `body field '${name}' is required`);
  if (value.length > max) throw new FerryError('BAD_INPUT', `body field '${name}' is longer than ${max}`);
  return value;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const known = isFerryError(error)
    ? error
    : new FerryError('INTERNAL', 'the device page failed; see the device log', undefined, { cause: error });
  sendJson(response, known.httpStatus, { error: known.toJSON() });
}
