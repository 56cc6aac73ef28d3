import { describe, expect, it } from 'vitest';
import { relayError, relayUnreachable } from './relay-unreachable.js';

const failed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });

describe('relayUnreachable', () => {
  it('says how to trust a certificate Node refused, for every code it uses', () => {
    for (const code of [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'CERT_HAS_EXPIRED',
      'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
      const error = relayUnreachable('https://nas:8787', failed({ code, message: 'x' }));
      expect(error.code, code).toBe('TLS_UNTRUSTED');
      expect(error.hint).toContain('NODE_EXTRA_CA_CERTS');
    }
  });

  it('calls anything else a relay that does not answer (retried), with the reason', () => {
    const refused = relayUnreachable(
      'http://nas:8787',
      failed({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }),
    );
    expect(refused.code).toBe('TRANSIENT');
    expect(refused.message).toContain('connect ECONNREFUSED');
    expect(relayUnreachable('http://x', new Error('timeout')).code).toBe('TRANSIENT');
    expect(relayUnreachable('http://x', 'odd').code).toBe('TRANSIENT');
  });
});

describe('relayError', () => {
  it("turns the relay's error answer into the same FerryError, and an unknown code into the fallback", () => {
    const known = relayError({ code: 'FERRY_CONFLICT', message: 'taken', hint: 'rename' }, 'TRANSIENT', 'x');
    expect([known.code, known.message, known.hint]).toEqual(['CONFLICT', 'taken', 'rename']);
    const unknown = relayError({ code: 'FERRY_FROM_A_NEWER_RELAY', message: 'new' }, 'OAUTH_REFUSED', 'x');
    expect([unknown.code, unknown.message]).toEqual(['OAUTH_REFUSED', 'new']);
    const none = relayError(undefined, 'TRANSIENT', 'the relay answered 502');
    expect([none.code, none.message, none.hint]).toEqual(['TRANSIENT', 'the relay answered 502', undefined]);
  });
});
