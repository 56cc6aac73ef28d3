import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { FerryError, RateLimitedError } from '../../errors.js';
import { md5FromEtag } from './etag.js';
import { mapS3Error } from './s3-errors.js';

/** An exception as the SDK builds it from an S3 error answer (code, status, headers). */
function s3Error(name: string, status: number, headers: Record<string, string> = {}): S3ServiceException {
  const error = new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: `${name} from the server`,
  });
  error.$response = { statusCode: status, headers, body: undefined } as S3ServiceException['$response'];
  return error;
}

const NOW = Date.parse('2026-01-01T00:00:00Z');
const codeOf = (error: unknown) => (error instanceof FerryError ? error.code : 'unmapped');

describe('md5FromEtag', () => {
  it('takes a plain quoted 32-hex ETag as the md5, lowercased', () => {
    expect(md5FromEtag('"9E107D9D372BB6826BD81D3542A419D6"')).toBe('9e107d9d372bb6826bd81d3542a419d6');
    expect(md5FromEtag('d41d8cd98f00b204e9800998ecf8427e')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(md5FromEtag('W/"d41d8cd98f00b204e9800998ecf8427e"')).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('gives no hash for multipart ETags and anything else that is not an md5', () => {
    expect(md5FromEtag('"d41d8cd98f00b204e9800998ecf8427e-2"')).toBeUndefined();
    expect(md5FromEtag('"9b2cf535f27731c974343645a3985328-128"')).toBeUndefined();
    expect(md5FromEtag('"0x8DCBB72FF73740"')).toBeUndefined();
    expect(md5FromEtag('"d41d8cd98f00b204e9800998ecf8427"')).toBeUndefined(); // 31 digits
    expect(md5FromEtag('"g41d8cd98f00b204e9800998ecf8427e"')).toBeUndefined();
    expect(md5FromEtag('')).toBeUndefined();
    expect(md5FromEtag(undefined)).toBeUndefined();
  });
});

describe('mapS3Error', () => {
  it('maps credential codes to AUTH and denials to PERMISSION', () => {
    for (const name of ['SignatureDoesNotMatch', 'InvalidAccessKeyId', 'ExpiredToken'])
      expect(codeOf(mapS3Error(s3Error(name, 403), 'list', NOW)), name).toBe('AUTH');
    expect(codeOf(mapS3Error(s3Error('AccessDenied', 403), 'list', NOW))).toBe('PERMISSION');
    expect(codeOf(mapS3Error(s3Error('Forbidden', 403), 'stat', NOW))).toBe('PERMISSION');
    expect(codeOf(mapS3Error(s3Error('Unknown', 401), 'stat', NOW))).toBe('AUTH');
  });

  it('maps missing keys and buckets to NOT_FOUND, with a bucket hint', () => {
    expect(codeOf(mapS3Error(s3Error('NoSuchKey', 404), 'read', NOW))).toBe('NOT_FOUND');
    expect(codeOf(mapS3Error(s3Error('NotFound', 404), 'stat', NOW))).toBe('NOT_FOUND');
    const bucket = mapS3Error(s3Error('NoSuchBucket', 404), 'list', NOW) as FerryError;
    expect(bucket.code).toBe('NOT_FOUND');
    expect(bucket.hint).toMatch(/bucket/);
  });

  it('maps SlowDown, 503 and 429 to RATE_LIMITED with Retry-After in ms when sent', () => {
    const slow = mapS3Error(s3Error('SlowDown', 503, { 'retry-after': '7' }), 'list', NOW);
    expect(slow).toBeInstanceOf(RateLimitedError);
    expect((slow as RateLimitedError).retryAfterMs).toBe(7000);
    const dated = mapS3Error(
      s3Error('TooManyRequests', 429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }),
      'read',
      NOW,
    );
    expect((dated as RateLimitedError).retryAfterMs).toBe(30_000);
    const bare = mapS3Error(s3Error('ServiceUnavailable', 503), 'stat', NOW);
    expect(codeOf(bare)).toBe('RATE_LIMITED');
    expect((bare as RateLimitedError).retryAfterMs).toBeUndefined();
  });

  it('maps server errors, timeouts and socket errors to TRANSIENT', () => {
    expect(codeOf(mapS3Error(s3Error('InternalError', 500), 'list', NOW))).toBe('TRANSIENT');
    expect(codeOf(mapS3Error(s3Error('BadGateway', 502), 'list', NOW))).toBe('TRANSIENT');
    expect(codeOf(mapS3Error(s3Error('RequestTimeout', 400), 'list', NOW))).toBe('TRANSIENT');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(codeOf(mapS3Error(reset, 'read', NOW))).toBe('TRANSIENT');
    const timeout = Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    expect(codeOf(mapS3Error(timeout, 'read', NOW))).toBe('TRANSIENT');
  });

  it('maps wrong region or endpoint answers to BAD_PROVIDER_OPTIONS', () => {
    expect(codeOf(mapS3Error(s3Error('PermanentRedirect', 301), 'list', NOW))).toBe('BAD_PROVIDER_OPTIONS');
    expect(codeOf(mapS3Error(s3Error('AuthorizationHeaderMalformed', 400), 'list', NOW))).toBe(
      'BAD_PROVIDER_OPTIONS',
    );
  });

  it('leaves aborts and unknown errors alone', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(mapS3Error(abort, 'list', NOW)).toBe(abort);
    const odd = s3Error('SomethingNew', 400);
    expect(mapS3Error(odd, 'list', NOW)).toBe(odd);
  });
});
