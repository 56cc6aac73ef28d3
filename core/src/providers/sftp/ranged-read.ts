import type { SFTPWrapper } from 'ssh2';

/**
 * Bytes asked per READ request. 32 KiB is what every server must accept, and ssh2 splits a larger
 * read into sequential requests for servers it does not know to be OpenSSH (measured: 64 KiB
 * chunks read rclone at 8 MiB/s instead of 66). A server answering with less still sets the size
 * for the rest of the file, so the pipeline does not turn into follow-up requests.
 */
export const READ_CHUNK = 32 * 1024;
/** READ requests in flight per file: hides the round trip without holding much memory. */
export const READS_IN_FLIGHT = 8;

const SFTP_EOF = 1;

interface Pending {
  offset: number;
  length: number;
  result: Promise<Buffer>;
}

/**
 * Reads bytes [start, end) of an open file handle as a stream of chunks, with up to
 * READS_IN_FLIGHT requests pipelined and delivered in order. A server may answer a READ with fewer
 * bytes than asked (allowed by the protocol): the rest is asked again. Returns early at end of
 * file; the caller compares the count with what it expected.
 */
export async function* readHandle(
  sftp: SFTPWrapper,
  handle: Buffer,
  start: number,
  end: number,
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  const queue: Pending[] = [];
  let next = start;
  const chunk = READ_CHUNK;
  const request = (offset: number, length: number): Pending => ({
    offset,
    length,
    result: new Promise<Buffer>((resolve, reject) => {
      const buffer = Buffer.allocUnsafe(length);
      sftp.read(
        handle,
        buffer,
        0,
        length,
        offset,
        (error: (Error & { code?: unknown }) | undefined, bytesRead: number) => {
          if (error && error.code !== SFTP_EOF) reject(error);
          else resolve(buffer.subarray(0, error ? 0 : bytesRead));
        },
      );
    }),
  });
  const topUp = () => {
    while (queue.length < READS_IN_FLIGHT && next < end) {
      const length = Math.min(chunk, end - next);
      queue.push(request(next, length));
      next += length;
    }
  };
  try {
    topUp();
    for (let head = queue.shift(); head !== undefined; head = queue.shift()) {
      signal?.throwIfAborted();
      const bytes = await head.result;
      if (bytes.length === 0) return; // end of file: the file is shorter than announced
      if (bytes.length < head.length)
        queue.unshift(request(head.offset + bytes.length, head.length - bytes.length));
      topUp();
      yield bytes;
    }
  } finally {
    // Answers still on the way are dropped; their errors must not surface as unhandled.
    for (const pending of queue) pending.result.catch(() => {});
  }
}
