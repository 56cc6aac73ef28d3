import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createSecureContext } from 'node:tls';
import { FerryError } from '@ferry/core';

/**
 * `--tls-cert` and `--tls-key`, read and tried before the relay starts: a missing file or a key
 * that does not fit its certificate is a clear refusal, not a stack trace from the TLS layer.
 */
export async function loadTls(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const read = (what: string, path: string) =>
    readFile(path).catch((error: NodeJS.ErrnoException) => {
      throw new FerryError(
        'BAD_INPUT',
        `cannot read the TLS ${what} ${path}: ${error.code ?? error.message}`,
      );
    });
  const cert = await read('certificate', certFile);
  const key = await read('key', keyFile);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    // The TLS layer's words name the problem (no PEM, key/cert mismatch), never the key itself.
    throw new FerryError(
      'BAD_INPUT',
      `the TLS certificate and key cannot be used together: ${(error as Error).message}`,
      'give the PEM certificate (chain) with --tls-cert and its private key with --tls-key',
    );
  }
  return { cert, key };
}

/** `--trust-proxy 127.0.0.1,10.0.0.0/8` → the addresses and CIDRs, each checked. */
export function parseTrustProxy(text: string): string[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  for (const item of items) {
    const [address, prefix, ...rest] = item.split('/');
    const family = isIP(address ?? '');
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0)
      throw new FerryError(
        'USAGE',
        `--trust-proxy takes addresses or CIDRs separated by commas, got '${item}'`,
        'for a proxy on this machine: --trust-proxy 127.0.0.1,::1',
      );
  }
  if (items.length === 0) throw new FerryError('USAGE', '--trust-proxy needs at least one address');
  return items;
}
