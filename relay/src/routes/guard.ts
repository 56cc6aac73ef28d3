import { FerryError } from '@ferry/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../auth/auth.js';
import type { Principal } from '../records.js';

export const SESSION_COOKIE = 'ferry_session';
export const CSRF_HEADER = 'x-ferry-csrf';

/** The token a request carries: `Authorization: Bearer` first, else the session cookie. */
export function requestToken(
  request: FastifyRequest,
): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) {
    const token = header.slice(7).trim();
    if (token !== '') return { token, via: 'bearer' };
  }
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : undefined;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    // Our tokens are base64url with a prefix: anything else is not ours, so no decoding needed.
    return /^[A-Za-z0-9_-]{1,200}$/.test(value) ? value : undefined;
  }
  return undefined;
}

export function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  token: string,
  maxAgeMs: number,
): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(maxAgeMs / 1000)}${secure}`,
  );
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who is calling. A cookie alone does not authorise a state-changing request: the browser sends
 * cookies on cross-site forms too, so such requests must also carry `x-ferry-csrf: 1`, a header a
 * cross-site form cannot set (SameSite=Strict is the first wall, this the second).
 */
export async function principalOf(auth: Auth, request: FastifyRequest): Promise<Principal> {
  const found = requestToken(request);
  if (!found)
    throw new FerryError('UNAUTHORIZED', 'this needs a login', 'ferry login --relay URL --user NAME');
  const principal = await auth.authenticate(found.token);
  if (!principal)
    throw new FerryError('UNAUTHORIZED', 'the login is unknown, expired or revoked', 'log in again');
  if (found.via === 'cookie' && !SAFE_METHODS.has(request.method) && request.headers[CSRF_HEADER] !== '1')
    throw new FerryError(
      'FORBIDDEN',
      `a cookie-authenticated ${request.method} needs the header ${CSRF_HEADER}: 1`,
    );
  return principal;
}

/** A person's session; a device token is refused. */
export async function requireUser(auth: Auth, request: FastifyRequest): Promise<string> {
  const principal = await principalOf(auth, request);
  if (principal.kind !== 'user')
    throw new FerryError('FORBIDDEN', 'a device token cannot do this', 'use a user login (ferry login)');
  return principal.user;
}

/** A device's own token; a user session is refused. */
export async function requireDevice(
  auth: Auth,
  request: FastifyRequest,
): Promise<{ user: string; device: string }> {
  const principal = await principalOf(auth, request);
  if (principal.kind !== 'device') throw new FerryError('FORBIDDEN', 'only a device token can do this');
  return { user: principal.user, device: principal.device };
}
