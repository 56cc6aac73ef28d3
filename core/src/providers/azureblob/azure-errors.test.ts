import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { FerryError, RateLimitedError } from '../../errors.js';
import { mapAzureError } from './azure-errors.js';
import { blobMtime, md5Hex } from './azure-provider.js';

type RestErrorOptions = NonNullable<ConstructorParameters<typeof RestError>[1]>;

/**
 * A RestError as the SDK builds it from a storage answer: the code in `code` for answers with a
 * body, only in `details.errorCode` (from x-ms-error-code) for HEAD answers.
 */
function restError(
  code: string,
  status: number,
  headers: Record<string, string> = {},
  head = false,
): RestError {
  const response = {
    status,
    headers: { get: (name: string) => headers[name.toLowerCase()] },
  } as unknown as RestErrorOptions['response'];
  const error = new RestError(`${code} from the service`, {
    statusCode: status,
    ...(head ? {} : { code }),
    ...(response === undefined ? {} : { response }),
  });
  if (head) error.details = { errorCode: code };
  return error;
}

const NOW = Date.parse('2026-01-01T00:00:00Z');
const codeOf = (error: unknown) => (error instanceof FerryError ? error.code : 'unmapped');

describe('mapAzureError', () => {
  it('maps refused credentials to AUTH, from a body or from the HEAD header', () => {
    for (const code of ['AuthenticationFailed', 'AuthorizationFailure', 'InvalidAuthenticationInfo'])
      expect(codeOf(mapAzureError(restError(code, 403), 'list', NOW)), code).toBe('AUTH');
    expect(codeOf(mapAzureError(restError('AuthenticationFailed', 403, {}, true), 'stat', NOW))).toBe('AUTH');
  });

  it('maps rights the key or token lacks to PERMISSION', () => {
    expect(codeOf(mapAzureError(restError('AuthorizationPermissionMismatch', 403), 'read', NOW))).toBe(
      'PERMISSION',
    );
    expect(codeOf(mapAzureError(restError('SomethingElse', 403, {}, true), 'stat', NOW))).toBe('PERMISSION');
  });

  it('maps a missing blob or container to NOT_FOUND, with a container hint', () => {
    expect(codeOf(mapAzureError(restError('BlobNotFound', 404, {}, true), 'stat', NOW))).toBe('NOT_FOUND');
    const container = mapAzureError(restError('ContainerNotFound', 404), 'list', NOW) as FerryError;
    expect(container.code).toBe('NOT_FOUND');
    expect(container.hint).toMatch(/container/);
  });

  it('maps ServerBusy, 503 and 429 to RATE_LIMITED with Retry-After when sent', () => {
    const busy = mapAzureError(restError('ServerBusy', 503, { 'retry-after': '3' }), 'list', NOW);
    expect(busy).toBeInstanceOf(RateLimitedError);
    expect((busy as RateLimitedError).retryAfterMs).toBe(3000);
    const dated = mapAzureError(
      restError('TooManyRequests', 429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }),
      'read',
      NOW,
    );
    expect((dated as RateLimitedError).retryAfterMs).toBe(10_000);
    expect(
      (mapAzureError(restError('Unknown', 503), 'read', NOW) as RateLimitedError).retryAfterMs,
    ).toBeUndefined();
  });

  it('maps server errors and socket errors to TRANSIENT', () => {
    expect(codeOf(mapAzureError(restError('InternalError', 500), 'list', NOW))).toBe('TRANSIENT');
    expect(codeOf(mapAzureError(restError('OperationTimedOut', 500), 'list', NOW))).toBe('TRANSIENT');
    const refused = new RestError('connect ECONNREFUSED', { code: 'ECONNREFUSED' });
    expect(codeOf(mapAzureError(refused, 'list', NOW))).toBe('TRANSIENT');
    const wrapped = Object.assign(new RestError('send failed', { code: 'REQUEST_SEND_ERROR' }), {
      cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    });
    expect(codeOf(mapAzureError(wrapped, 'read', NOW))).toBe('TRANSIENT');
  });

  it('leaves aborts and unknown errors alone', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(mapAzureError(abort, 'list', NOW)).toBe(abort);
    const odd = restError('InvalidQueryParameterValue', 400);
    expect(mapAzureError(odd, 'list', NOW)).toBe(odd);
  });
});

describe('azure blob fields', () => {
  it('turns a 16-byte Content-MD5 into hex and refuses other lengths', () => {
    const md5 = Buffer.from('5d41402abc4b2a76b9719d911017c592', 'hex');
    expect(md5Hex(new Uint8Array(md5))).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(md5Hex(new Uint8Array(15))).toBeUndefined();
    expect(md5Hex(undefined)).toBeUndefined();
  });

  it('takes metadata mtime (any key case) before Last-Modified, which is cut to whole seconds', () => {
    const lastModified = new Date('2025-05-05T05:05:05.789Z');
    expect(blobMtime({ mtime: '2023-11-14T22:15:23.456789012Z' }, lastModified)).toBe(1_700_000_123_456);
    expect(blobMtime({ MTime: '2023-11-14T22:15:23Z' }, lastModified)).toBe(1_700_000_123_000);
    expect(blobMtime({ mtime: 'yesterday-ish' }, lastModified)).toBe(Date.parse('2025-05-05T05:05:05Z'));
    expect(blobMtime(undefined, lastModified)).toBe(Date.parse('2025-05-05T05:05:05Z'));
  });
});
