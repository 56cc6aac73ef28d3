import { FerryError, RateLimitedError } from '../../errors.js';

/**
 * Seconds or an HTTP date, as Retry-After carries them, in milliseconds from `nowMs`; undefined
 * when absent or unreadable (the pacer then backs off on its own).
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The typed error for an HTTP answer that is not a success: 401 → AUTH, 403 → PERMISSION,
 * 404/410 → NOT_FOUND, 429 and 503-with-Retry-After → RATE_LIMITED, 408/425/5xx → TRANSIENT.
 * `what` names the provider and the operation ("webdav: list 'photos'"); it must hold no secret.
 * Any other status is returned as a plain Error: an answer Ferry does not expect is a bug to read.
 */
export function httpStatusError(
  what: string,
  status: number,
  headers: { get(name: string): string | null },
  nowMs: number,
): Error {
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), nowMs);
  const said = `${what}: HTTP ${status}`;
  if (status === 401)
    return new FerryError(
      'AUTH',
      `${said} (credentials refused)`,
      'check the user and password of the account',
    );
  if (status === 403)
    return new FerryError(
      'PERMISSION',
      `${said} (access denied)`,
      'check the rights of this login at the server',
    );
  if (status === 404 || status === 410)
    return new FerryError('NOT_FOUND', `${said} (no such file or folder)`);
  if (status === 429 || (status === 503 && retryAfterMs !== undefined))
    return new RateLimitedError(`${said} (the server asks to slow down)`, retryAfterMs);
  if (status === 408 || status === 425 || (status >= 500 && status <= 599))
    return new FerryError('TRANSIENT', `${said} (server-side failure)`, 'Ferry retries by itself');
  return new Error(`${said}: unexpected answer`);
}

/**
 * The typed error for a request that got no answer: the caller's abort passes through unchanged;
 * our own timeout, refused or reset connections, DNS failures and socket errors are TRANSIENT.
 */
export function fetchFailure(
  what: string,
  error: unknown,
  signal: AbortSignal | undefined,
  timedOut: boolean,
): unknown {
  if (signal?.aborted) return signal.reason;
  if (error instanceof FerryError) return error;
  if (timedOut)
    return new FerryError('TRANSIENT', `${what}: no answer in time`, 'Ferry retries by itself', {
      cause: error,
    });
  if (error instanceof TypeError || isSocketError(error)) {
    const code = causeCode(error);
    return new FerryError(
      'TRANSIENT',
      `${what}: connection failed${code === undefined ? '' : ` (${code})`}`,
      'Ferry retries by itself; check that the server is reachable',
      { cause: error },
    );
  }
  return error;
}

function isSocketError(error: unknown): boolean {
  return causeCode(error) !== undefined;
}

/** ECONNRESET, ECONNREFUSED, UND_ERR_SOCKET…: the code of an error or of its cause. */
export function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (typeof current === 'object' && 'code' in current && typeof current.code === 'string')
      return current.code;
    current = typeof current === 'object' && 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}
