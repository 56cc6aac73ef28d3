import { FerryError, RateLimitedError } from '../../errors.js';
import { parseRetryAfter } from '../object-store.js';

const AUTH_CODES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidSecurity',
  'Unauthorized',
]);
const PERMISSION_CODES = new Set(['AccessDenied', 'AllAccessDisabled', 'Forbidden', 'AccountProblem']);
const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const RATE_CODES = new Set([
  'SlowDown',
  'TooManyRequests',
  'TooManyRequestsException',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
]);
const TRANSIENT_CODES = new Set([
  'InternalError',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'RequestTimeoutException',
  'ServiceUnavailableException',
  'OperationAborted',
]);
/** Wrong region or endpoint: the account's options are wrong, not the object. */
const OPTION_CODES = new Set([
  'PermanentRedirect',
  'AuthorizationHeaderMalformed',
  'IllegalLocationConstraintException',
  'InvalidBucketName',
]);
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
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { headers?: Record<string, string | undefined> };
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {};
}

/** The S3 error code (`NoSuchKey`, `SlowDown`, …) or Node's network code, when there is one. */
export function s3ErrorCode(error: unknown): string | undefined {
  const { name, code } = shape(error);
  if (typeof code === 'string') return code;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

export function s3HttpStatus(error: unknown): number | undefined {
  const status = shape(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Maps an error from @aws-sdk/client-s3 (or the socket below it) to Ferry's provider codes;
 * `what` names the operation and path, `now` is the clock for an HTTP-date Retry-After. Errors
 * Ferry cannot classify (and aborts) come back unchanged. Messages carry the S3 code and status,
 * never a credential.
 */
export function mapS3Error(error: unknown, what: string, now: number = Date.now()): unknown {
  if (error instanceof FerryError) return error;
  const code = s3ErrorCode(error);
  const status = s3HttpStatus(error);
  if (code === 'AbortError') return error;
  const said = `${code ?? 'error'}${status === undefined ? '' : ` ${status}`}`;
  const options = { cause: error };

  if (code !== undefined && NETWORK_CODES.has(code))
    return new FerryError(
      'TRANSIENT',
      `s3: ${what}: network error (${code})`,
      'Ferry retries by itself',
      options,
    );
  if (code !== undefined && AUTH_CODES.has(code))
    return new FerryError(
      'AUTH',
      `s3: ${what}: the credentials were refused (${said})`,
      'check accessKeyId and secretAccessKey',
      options,
    );
  if (code !== undefined && NOT_FOUND_CODES.has(code)) {
    const hint = code === 'NoSuchBucket' ? 'check the bucket option' : undefined;
    const message = code === 'NoSuchBucket' ? 'no such bucket' : 'no such file or folder';
    return new FerryError('NOT_FOUND', `s3: ${what}: ${message} (${said})`, hint, options);
  }
  if (code !== undefined && OPTION_CODES.has(code))
    return new FerryError(
      'BAD_PROVIDER_OPTIONS',
      `s3: ${what}: the server refused the bucket, region or endpoint (${said})`,
      'check the region, endpoint and forcePathStyle options',
      options,
    );
  if ((code !== undefined && RATE_CODES.has(code)) || status === 429 || status === 503) {
    const retryAfter = parseRetryAfter(shape(error).$response?.headers?.['retry-after'], now);
    return new RateLimitedError(`s3: ${what}: the server asks to slow down (${said})`, retryAfter, options);
  }
  if ((code !== undefined && PERMISSION_CODES.has(code)) || status === 403)
    return new FerryError(
      'PERMISSION',
      `s3: ${what}: access denied (${said})`,
      'if every request fails this way, check accessKeyId, secretAccessKey and the bucket policy',
      options,
    );
  if (status === 401)
    return new FerryError('AUTH', `s3: ${what}: the credentials were refused (${said})`, undefined, options);
  if (status === 404)
    return new FerryError('NOT_FOUND', `s3: ${what}: no such file or folder (${said})`, undefined, options);
  if ((code !== undefined && TRANSIENT_CODES.has(code)) || (status !== undefined && status >= 500))
    return new FerryError(
      'TRANSIENT',
      `s3: ${what}: server error (${said})`,
      'Ferry retries by itself',
      options,
    );
  return error;
}
