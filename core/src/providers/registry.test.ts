import { describe, expect, it } from 'vitest';
import { isFerryError } from '../errors.js';
import {
  createProvider,
  getProviderFactory,
  LocalProvider,
  MemoryProvider,
  providerFactories,
} from './index.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return isFerryError(error) ? error.code : 'untyped';
  }
  return undefined;
}

describe('provider registry', () => {
  it('knows memory and local by name, once each', () => {
    const names = providerFactories.map((factory) => factory.name);
    expect(names).toContain('memory');
    expect(names).toContain('local');
    expect(new Set(names).size).toBe(names.length);
    expect(getProviderFactory('local').options.map((option) => option.key)).toEqual(['root']);
  });

  it('names the known providers when asked for an unknown one', () => {
    expect(() => getProviderFactory('dropbox')).toThrow(
      /no provider named 'dropbox' \(known: memory, local[,)]/,
    );
    expect(codeOf(() => getProviderFactory('dropbox'))).toBe('UNKNOWN_PROVIDER');
  });

  it('checks the options before creating', async () => {
    const memory = createProvider('memory', { files: '1500', seed: '2' });
    expect(memory).toBeInstanceOf(MemoryProvider);
    expect((await memory.stat('synthetic/d0001/f0001499.txt')).isDir).toBe(false);
    expect(createProvider('local', { root: '/srv/photos' })).toBeInstanceOf(LocalProvider);
    expect(codeOf(() => createProvider('local', {}))).toBe('BAD_PROVIDER_OPTIONS');
    expect(codeOf(() => createProvider('local', { root: 'relative' }))).toBe('BAD_PROVIDER_OPTIONS');
    expect(codeOf(() => createProvider('memory', { files: 'many' }))).toBe('BAD_PROVIDER_OPTIONS');
    expect(codeOf(() => createProvider('memory', { files: '-1' }))).toBe('BAD_PROVIDER_OPTIONS');
  });

  it('turns memory fault options into faults', async () => {
    const provider = createProvider('memory', { files: '1', rateLimitEvery: '1', retryAfterMs: '250' });
    const error = await provider.stat('synthetic/d0000/f0000000.txt').catch((e: unknown) => e);
    expect(isFerryError(error, 'RATE_LIMITED')).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(250);
  });
});
