import { ERROR_CODES, type ErrorCode, FerryError } from './errors.js';

/** Node's codes for a TLS certificate it does not trust (undici puts them on `cause`). */
const UNTRUSTED =
  /^(?:DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(?:VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT(?:_LOCALLY)?)|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

/**
 * What a failed request to the relay (fetch threw: no HTTP answer at all) means for the user, the
 * same for the CLI and the device: an untrusted certificate says how to trust it, anything else is
 * a relay that does not answer (TRANSIENT: the device works on from its disk and asks again).
 */
export function relayUnreachable(relay: string, error: unknown): FerryError {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (UNTRUSTED.test(code))
    return new FerryError(
      'TLS_UNTRUSTED',
      `the relay at ${relay} has a certificate this machine does not trust (${code})`,
      'for a self-signed certificate, start with NODE_EXTRA_CA_CERTS=/path/to/cert.pem; else check the certificate and the URL',
    );
  const detail =
    typeof cause?.message === 'string' ? cause.message : ((error as Error)?.message ?? String(error));
  return new FerryError(
    'TRANSIENT',
    `the relay at ${relay} does not answer (${detail})`,
    'is it running? check the URL',
  );
}

/** An error as the relay writes it (`FerryError.toJSON()`). */
export interface RelayErrorJson {
  code?: string;
  message?: string;
  hint?: string;
}

/**
 * The relay's `{code, message, hint}` as the same FerryError on the client (the CLI, the device);
 * a code this version does not know becomes `fallback`, a missing message `message`.
 */
export function relayError(
  error: RelayErrorJson | undefined,
  fallback: ErrorCode,
  message: string,
): FerryError {
  const code = (error?.code ?? '').replace(/^FERRY_/, '');
  return new FerryError(
    code in ERROR_CODES ? (code as ErrorCode) : fallback,
    error?.message ?? message,
    error?.hint,
  );
}
