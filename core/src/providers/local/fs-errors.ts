import { FerryError } from '../../errors.js';

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR']);
const PERMISSION = new Set(['EACCES', 'EPERM']);
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EIO', 'ETIMEDOUT', 'EINTR']);

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/** True when the error says the path is gone (deleted while we walked), not that we may not look. */
export function isVanished(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && (NOT_FOUND.has(code) || code === 'ELOOP');
}

/**
 * Maps a Node file-system error to the provider error codes; `what` names the operation and the
 * provider path. Errors Ferry cannot classify are returned unchanged (they are bugs to look at).
 */
export function mapFsError(error: unknown, what: string): unknown {
  const code = errorCode(error);
  if (code === undefined) return error;
  if (NOT_FOUND.has(code))
    return new FerryError('NOT_FOUND', `local: ${what}: no such file or folder`, undefined, { cause: error });
  if (code === 'ELOOP')
    return new FerryError(
      'NOT_FOUND',
      `local: ${what}: a symbolic link (links are not followed)`,
      undefined,
      {
        cause: error,
      },
    );
  if (PERMISSION.has(code))
    return new FerryError(
      'PERMISSION',
      `local: ${what}: permission denied (${code})`,
      'check the folder permissions',
      {
        cause: error,
      },
    );
  if (code === 'EISDIR')
    return new FerryError('BAD_INPUT', `local: ${what}: is a folder`, undefined, { cause: error });
  if (TRANSIENT.has(code))
    return new FerryError('TRANSIENT', `local: ${what}: ${code}`, 'Ferry retries by itself', {
      cause: error,
    });
  return error;
}

/**
 * A file-system mtime in whole milliseconds. Rounded, not floored: utimes takes float seconds,
 * so an mtime set to an exact millisecond often reads back a few hundred nanoseconds below it.
 */
export function toMillis(mtimeMs: number): number {
  return Math.round(mtimeMs);
}
