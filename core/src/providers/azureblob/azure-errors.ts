import { FerryError, RateLimitedError } from '../../errors.js';
import { parseRetryAfter } from '../object-store.js';

/**
 * AuthorizationFailure is account-wide, never per blob: azurite answers it to a wrong key, Azure
 * to a request its firewall or a disabled account blocks. Either way the account cannot be used
 * as configured, so it is AUTH.
 */
const AUTH_CODES = new Set([
  'AuthenticationFailed',
  'AuthorizationFailure',
  'InvalidAuthenticationInfo',
  'NoAuthenticationInformation',
  'AuthenticationErrorDetail',
]);
const PERMISSION_CODES = new Set([
  'AuthorizationPermissionMismatch',
  'AuthorizationProtocolMismatch',
  'AuthorizationSourceIPMismatch',
  'AuthorizationResourceTypeMismatch',
  'AuthorizationServiceMismatch',
  'InsufficientAccountPermissions',
  'AccountIsDisabled',
]);
const NOT_FOUND_CODES = new Set(['BlobNotFound', 'ContainerNotFound', 'ResourceNotFound']);
const RATE_CODES = new Set(['ServerBusy', 'TooManyRequests']);
const TRANSIENT_CODES = new Set(['InternalError', 'OperationTimedOut', 'REQUEST_SEND_ERROR']);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface RestErrorShape {
  name?: unknown;
  code?: unknown;
  details?: { errorCode?: unknown };
  statusCode?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
  cause?: unknown;
}

function shape(error: unknown): RestErrorShape {
  return typeof error === 'object' && error !== null ? (error as RestErrorShape) : {};
}

/**
 * The storage error code (`BlobNotFound`, `ServerBusy`, …) or the socket's code. Answers without
 * a body (HEAD: getProperties) carry it only in the x-ms-error-code header, which the SDK puts in
 * `details.errorCode`, not in `code`.
 */
export function azureErrorCode(error: unknown): string | undefined {
  const { code, cause, details } = shape(error);
  if (typeof details?.errorCode === 'string') return details.errorCode;
  if (code === 'REQUEST_SEND_ERROR') {
    const inner = shape(cause).code;
    if (typeof inner === 'string') return inner;
  }
  return typeof code === 'string' ? code : undefined;
}

export function azureHttpStatus(error: unknown): number | undefined {
  const status = shape(error).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Maps an error from @azure/storage-blob (a RestError, or the socket below it) to Ferry's
 * provider codes; `what` names the operation and path, `now` is the clock for an HTTP-date
 * Retry-After. Aborts and errors Ferry cannot classify come back unchanged. Messages carry the
 * storage code and status, never a key or a SAS token.
 */
export function mapAzureError(error: unknown, what: string, now: number = Date.now()): unknown {
  if (error instanceof FerryError) return error;
  const { name } = shape(error);
  if (name === 'AbortError') return error;
  const code = azureErrorCode(error);
  const status = azureHttpStatus(error);
  const said = `${code ?? 'error'}${status === undefined ? '' : ` ${status}`}`;
  const options = { cause: error };

  if (code !== undefined && NETWORK_CODES.has(code))
    return new FerryError(
      'TRANSIENT',
      `azureblob: ${what}: network error (${code})`,
      'Ferry retries by itself',
      options,
    );
  if ((code !== undefined && AUTH_CODES.has(code)) || status === 401)
    return new FerryError(
      'AUTH',
      `azureblob: ${what}: the credentials were refused (${said})`,
      'check accountKey, sasToken (and its expiry) or connectionString, and the account firewall',
      options,
    );
  if ((code !== undefined && PERMISSION_CODES.has(code)) || status === 403)
    return new FerryError(
      'PERMISSION',
      `azureblob: ${what}: access denied (${said})`,
      'the key or SAS token needs read and list rights on the container',
      options,
    );
  if ((code !== undefined && NOT_FOUND_CODES.has(code)) || status === 404) {
    const container = code === 'ContainerNotFound';
    return new FerryError(
      'NOT_FOUND',
      `azureblob: ${what}: ${container ? 'no such container' : 'no such file or folder'} (${said})`,
      container ? 'check the container option' : undefined,
      options,
    );
  }
  if ((code !== undefined && RATE_CODES.has(code)) || status === 429 || status === 503) {
    const retryAfter = parseRetryAfter(shape(error).response?.headers?.get?.('retry-after'), now);
    return new RateLimitedError(
      `azureblob: ${what}: the server asks to slow down (${said})`,
      retryAfter,
      options,
    );
  }
  if ((code !== undefined && TRANSIENT_CODES.has(code)) || (status !== undefined && status >= 500))
    return new FerryError(
      'TRANSIENT',
      `azureblob: ${what}: server error (${said})`,
      'Ferry retries by itself',
      options,
    );
  return error;
}
