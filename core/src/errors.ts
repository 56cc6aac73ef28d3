/**
 * Every error Ferry expects to meet carries a code from this table. The CLI prints
 * `error FERRY_<CODE>: <message>` (and the hint on a second line) and exits with `exitCode`;
 * the relay answers with `httpStatus`. docs/errors.md lists the same codes; a test checks both
 * lists agree, so add a line there when you add one here.
 */
export const ERROR_CODES = {
  // Input from a user: flags, request bodies, configuration.
  USAGE: { exitCode: 2, httpStatus: 400, summary: 'a command line flag or argument is unknown or malformed' },
  BAD_SIZE: { exitCode: 2, httpStatus: 400, summary: 'a size value such as 5GB or 512MiB cannot be read' },
  BAD_DURATION: {
    exitCode: 2,
    httpStatus: 400,
    summary: 'a duration value such as 24h or 90m cannot be read',
  },
  BAD_INPUT: {
    exitCode: 2,
    httpStatus: 400,
    summary: 'a value given to Ferry breaks a rule (range, shape, length)',
  },
  NOT_AVAILABLE: {
    exitCode: 1,
    httpStatus: 501,
    summary: 'the command or feature is not built yet in this version',
  },

  // Catalog model and listings.
  BAD_ENTRY: { exitCode: 1, httpStatus: 422, summary: 'a catalog entry from a listing is malformed' },
  DUPLICATE_PATH: { exitCode: 1, httpStatus: 422, summary: 'a listing named the same path twice' },
  UNSAFE_PATH: {
    exitCode: 1,
    httpStatus: 422,
    summary: 'a cloud name cannot be mapped to a safe path on the disk',
  },
  BAD_DOC_NAME: {
    exitCode: 1,
    httpStatus: 400,
    summary: 'a replicated document name does not follow the layout',
  },

  // Providers (the clouds).
  NOT_FOUND: { exitCode: 1, httpStatus: 404, summary: 'the file or folder does not exist at the provider' },
  AUTH: {
    exitCode: 1,
    httpStatus: 401,
    summary: 'the provider refused the credentials (wrong, expired or revoked)',
  },
  PERMISSION: {
    exitCode: 1,
    httpStatus: 403,
    summary: 'the provider accepted the credentials but denied this operation',
  },
  RATE_LIMITED: {
    exitCode: 1,
    httpStatus: 429,
    summary: 'the provider asks Ferry to slow down (Retry-After honoured)',
  },
  TRANSIENT: {
    exitCode: 1,
    httpStatus: 503,
    summary: 'a passing failure: connection reset, timeout, 5xx; retried with backoff',
  },
  TLS_UNTRUSTED: {
    exitCode: 1,
    httpStatus: 502,
    summary: "a server's TLS certificate is not trusted (self-signed, expired, or for another name)",
  },
  TRUNCATED: { exitCode: 1, httpStatus: 502, summary: 'a download ended before the announced size' },
  HASH_MISMATCH: {
    exitCode: 1,
    httpStatus: 502,
    summary: "a downloaded file's hash differs from the provider's hash",
  },
  UNKNOWN_PROVIDER: { exitCode: 2, httpStatus: 400, summary: 'no provider of that name is built into Ferry' },
  BAD_PROVIDER_OPTIONS: {
    exitCode: 2,
    httpStatus: 400,
    summary: "the account options do not fit the provider's schema",
  },
  OAUTH_REFUSED: {
    exitCode: 1,
    httpStatus: 502,
    summary: "a cloud's OAuth sign-in did not give a usable token (refused, expired, or malformed)",
  },

  // The device's disk.
  DISK_FULL: {
    exitCode: 1,
    httpStatus: 507,
    summary: 'the backup disk has less free space than --min-free (or none at all)',
  },
  DISK_IO: { exitCode: 1, httpStatus: 500, summary: 'the backup disk refused a read, write or rename' },

  // The relay's own API (its logins, not a provider's).
  UNAUTHORIZED: {
    exitCode: 1,
    httpStatus: 401,
    summary: 'no valid relay login: wrong password, unknown or revoked token',
  },
  FORBIDDEN: { exitCode: 1, httpStatus: 403, summary: 'the relay login is valid but may not do this' },
  CONFLICT: { exitCode: 1, httpStatus: 409, summary: 'the name is taken or the thing is still in use' },

  // Internal invariants: a bug if seen.
  INTERNAL: { exitCode: 70, httpStatus: 500, summary: 'an invariant broke inside Ferry; please report it' },
} as const satisfies Record<string, { exitCode: number; httpStatus: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class FerryError extends Error {
  override readonly name = 'FerryError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The code as users see it in the CLI, the API and docs/errors.md. */
  get id(): string {
    return `FERRY_${this.code}`;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }

  toJSON(): { code: string; message: string; hint?: string } {
    return this.hint === undefined
      ? { code: this.id, message: this.message }
      : { code: this.id, message: this.message, hint: this.hint };
  }
}

/** Errors a provider raises carry the same codes; a rate limit also says how long to wait. */
export class RateLimitedError extends FerryError {
  constructor(
    message: string,
    /** Milliseconds the provider asked us to wait (from Retry-After), when it said. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super('RATE_LIMITED', message, 'Ferry waits and retries by itself', options);
  }
}

export function isFerryError(error: unknown, code?: ErrorCode): error is FerryError {
  return error instanceof FerryError && (code === undefined || error.code === code);
}
