import { describe, expect, it } from 'vitest';
import { FerryError } from './errors.js';
import type { Provider, ProviderFactory } from './provider.js';
import { checkProviderOptions, redactOptions } from './provider-options.js';

const factory: ProviderFactory = {
  name: 'demo',
  description: 'a provider for tests',
  options: [
    { key: 'url', type: 'url', required: true, help: 'server address' },
    { key: 'user', type: 'string', required: false, help: 'login' },
    { key: 'password', type: 'secret', required: false, help: 'password' },
    { key: 'port', type: 'integer', required: false, help: 'port', default: 443 },
    { key: 'insecure', type: 'boolean', required: false, help: 'skip TLS checks', default: false },
    { key: 'cache', type: 'path', required: false, help: 'cache folder' },
  ],
  create: (): Provider => {
    throw new Error('not used');
  },
};

function refusal(raw: Record<string, unknown>): FerryError {
  try {
    checkProviderOptions(factory, raw);
  } catch (error) {
    if (error instanceof FerryError) return error;
    throw error;
  }
  throw new Error('expected BAD_PROVIDER_OPTIONS');
}

describe('checkProviderOptions', () => {
  it('coerces strings from the command line and fills defaults', () => {
    expect(
      checkProviderOptions(factory, { url: 'https://dav.example.org/x', port: '8443', insecure: 'yes' }),
    ).toEqual({
      url: 'https://dav.example.org/x',
      port: 8443,
      insecure: true,
    });
    expect(checkProviderOptions(factory, { url: 'http://h' })).toEqual({
      url: 'http://h',
      port: 443,
      insecure: false,
    });
  });

  it('takes already-typed values from a JSON body', () => {
    expect(
      checkProviderOptions(factory, { url: 'http://h', port: 80, insecure: true, cache: '/var/c' }),
    ).toEqual({ url: 'http://h', port: 80, insecure: true, cache: '/var/c' });
  });

  it('reads every boolean spelling and refuses others', () => {
    for (const [word, value] of [
      ['true', true],
      ['YES', true],
      ['1', true],
      ['false', false],
      ['no', false],
      ['0', false],
    ] as const)
      expect(checkProviderOptions(factory, { url: 'http://h', insecure: word }).insecure).toBe(value);
    expect(refusal({ url: 'http://h', insecure: 'maybe' }).message).toMatch(
      /'insecure'.*true or false.*'maybe'/,
    );
  });

  it('names an unknown key and the accepted ones', () => {
    const error = refusal({ url: 'http://h', pasword: 'x' });
    expect(error.code).toBe('BAD_PROVIDER_OPTIONS');
    expect(error.message).toContain("'pasword'");
    expect(error.message).toContain('url, user, password, port, insecure, cache');
  });

  it('names a missing required option', () => {
    const error = refusal({ user: 'me' });
    expect(error.code).toBe('BAD_PROVIDER_OPTIONS');
    expect(error.message).toContain("'url'");
    expect(refusal({ url: '' }).message).toContain("needs option 'url'");
  });

  it('refuses values that do not fit the type', () => {
    expect(refusal({ url: 'ftp://h' }).message).toMatch(/http or https/);
    expect(refusal({ url: 'not a url' }).message).toMatch(/http or https/);
    expect(refusal({ url: 'http://h', port: '12x' }).message).toMatch(/'port'.*whole number/);
    expect(refusal({ url: 'http://h', port: 1.5 }).message).toMatch(/whole number/);
    expect(refusal({ url: 'http://h', cache: 'relative/dir' }).message).toMatch(/absolute path/);
    expect(refusal({ url: 'http://h', user: 42 }).message).toMatch(/'user'.*text/);
  });

  it('never repeats a secret in an error', () => {
    const error = refusal({ url: 'http://h', password: 12345678 });
    expect(error.message).toContain("'password'");
    expect(error.message).not.toContain('12345678');
  });

  it('refuses something that is not an object', () => {
    expect(() => checkProviderOptions(factory, null as unknown as Record<string, unknown>)).toThrow(
      /must be an object/,
    );
  });
});

describe('redactOptions', () => {
  it('hides every secret and keeps the rest', () => {
    const options = checkProviderOptions(factory, { url: 'http://h', user: 'me', password: 'hunter2' });
    const shown = redactOptions(factory, options);
    expect(shown).toEqual({ url: 'http://h', user: 'me', password: '***', port: 443, insecure: false });
    expect(JSON.stringify(shown)).not.toContain('hunter2');
    expect(options.password).toBe('hunter2');
  });
});
