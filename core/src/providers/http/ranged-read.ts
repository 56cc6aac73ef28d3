import { FerryError } from '../../errors.js';

/**
 * Headers for a GET of `length` bytes from `offset` (to the end when length is undefined): Range
 * unless the whole file is asked for. Without a Range, `Accept-Encoding: identity`, because fetch
 * would otherwise ask for gzip and unpack it, and Content-Length would no longer count the bytes
 * we get; with a Range, fetch sends identity by itself (the Fetch standard says so).
 */
export function rangedReadHeaders(offset: number, length: number | undefined): Record<string, string> {
  if (offset === 0 && length === undefined) return { 'Accept-Encoding': 'identity' };
  return { Range: `bytes=${offset}-${length === undefined ? '' : offset + length - 1}` };
}

/** The statuses a ranged GET may answer with; others are errors. */
export const rangedStatus = (status: number): boolean => status === 200 || status === 206 || status === 416;

/**
 * The bytes a ranged GET asked for, from its response: 206 is checked against the offset asked;
 * 200 (a server that ignores Range) is skipped forward to the offset, so the bytes before it still
 * cross the network; 416 (the range starts past the end) yields nothing. A body that ends before
 * the length announced, or breaks off, ends with TRUNCATED after yielding what came. The body is
 * cancelled when the consumer stops early.
 */
export async function* rangedBody(
  response: Response,
  request: { offset: number; length?: number; what: string; signal?: AbortSignal },
): AsyncGenerator<Uint8Array> {
  const { offset, length, what, signal } = request;
  const body = response.body;
  try {
    if (response.status === 416) return;
    let skip = 0;
    let expected: number | undefined;
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range === undefined || range.start !== offset)
        throw new FerryError('TRANSIENT', `${what}: the server answered another range than asked`);
      expected = Math.max(0, range.end - range.start + 1); // rclone answers "bytes 100-5/6" past the end
      if (length !== undefined) expected = Math.min(expected, length);
    } else {
      skip = offset;
      const announced = contentLength(response.headers);
      if (announced !== undefined)
        expected = Math.max(0, Math.min(announced - offset, length ?? Number.POSITIVE_INFINITY));
    }
    const limit = length ?? expected;
    let got = 0;
    if (body !== null) {
      const reader = body.getReader();
      try {
        while (limit === undefined || got < limit) {
          let result: Awaited<ReturnType<typeof reader.read>>;
          try {
            result = await reader.read();
          } catch (error) {
            signal?.throwIfAborted();
            throw new FerryError(
              'TRUNCATED',
              `${what}: the connection broke after ${got} bytes`,
              'Ferry resumes with a ranged read',
              { cause: error },
            );
          }
          if (result.done) break;
          let chunk = result.value;
          if (skip > 0) {
            if (chunk.length <= skip) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          if (limit !== undefined && got + chunk.length > limit) chunk = chunk.subarray(0, limit - got);
          got += chunk.length;
          if (chunk.length > 0) yield chunk;
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
    }
    if (expected !== undefined && got < expected)
      throw new FerryError(
        'TRUNCATED',
        `${what}: got ${got} of ${expected} bytes`,
        'Ferry resumes with a ranged read',
      );
  } finally {
    if (body !== null && !body.locked) await body.cancel().catch(() => {});
  }
}

function parseContentRange(value: string | null): { start: number; end: number } | undefined {
  const match = value === null ? null : /^bytes\s+(\d+)-(\d+)\/(?:\d+|\*)$/i.exec(value.trim());
  if (match === null) return undefined;
  return { start: Number(match[1]), end: Number(match[2]) };
}

function contentLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}
