import { FerryError } from '../../errors.js';

/** SFTP status codes (draft-ietf-secsh-filexfer-02, the version OpenSSH and ssh2 speak). */
const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;
const SFTP_FAILURE = 4;
const SFTP_NO_CONNECTION = 6;
const SFTP_CONNECTION_LOST = 7;
const SFTP_OP_UNSUPPORTED = 8;

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

interface SshError {
  code?: unknown;
  level?: unknown;
  message?: unknown;
}

function fields(error: unknown): SshError {
  return typeof error === 'object' && error !== null ? (error as SshError) : {};
}

/** True for the SFTP "no such file" status (also what a vanished entry answers during a walk). */
export function isNoSuchFile(error: unknown): boolean {
  return (
    fields(error).code === SFTP_NO_SUCH_FILE || (error instanceof FerryError && error.code === 'NOT_FOUND')
  );
}

/** True when the SSH connection itself failed (it has to be opened again before the next call). */
export function isConnectionError(error: unknown): boolean {
  const { code, level, message } = fields(error);
  return (
    code === SFTP_NO_CONNECTION ||
    code === SFTP_CONNECTION_LOST ||
    (typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code)) ||
    level === 'client-socket' ||
    level === 'client-timeout' ||
    level === 'client-ssh' ||
    level === 'protocol' ||
    // ssh2's answers to requests pending on a channel that closed under them, and to a request
    // on a connection that is already gone.
    message === 'No response from server' ||
    message === 'Not connected' ||
    level === 'sftp-protocol'
  );
}

/**
 * Maps an ssh2 error to the provider codes; `what` names the operation and the path. Errors that
 * are already FerryErrors pass through; the ones Ferry cannot classify are returned unchanged.
 */
export function mapSftpError(error: unknown, what: string): unknown {
  if (error instanceof FerryError) return error;
  const { code, level, message } = fields(error);
  const text = typeof message === 'string' ? message : String(error);
  if (level === 'client-authentication')
    return new FerryError(
      'AUTH',
      `sftp: ${what}: the server refused the login (${text})`,
      'check user and password or private key',
      { cause: error },
    );
  if (code === SFTP_NO_SUCH_FILE)
    return new FerryError('NOT_FOUND', `sftp: ${what}: no such file or folder`, undefined, { cause: error });
  if (code === SFTP_PERMISSION_DENIED)
    return new FerryError(
      'PERMISSION',
      `sftp: ${what}: permission denied`,
      "check the login's rights on the server",
      { cause: error },
    );
  if (code === SFTP_OP_UNSUPPORTED)
    return new FerryError('NOT_AVAILABLE', `sftp: ${what}: the server does not support this`, undefined, {
      cause: error,
    });
  // A generic failure: the server could not do it this time (an I/O error behind it, a busy file).
  if (code === SFTP_FAILURE)
    return new FerryError('TRANSIENT', `sftp: ${what}: the server reported a failure (${text})`, undefined, {
      cause: error,
    });
  if (isConnectionError(error))
    return new FerryError('TRANSIENT', `sftp: ${what}: ${text}`, 'Ferry reconnects and retries by itself', {
      cause: error,
    });
  return error;
}
