import { FerryError } from '../../errors.js';
import type { ProviderFactory, ProviderOptions } from '../../provider.js';
import type { MemoryFaults } from './faults.js';
import { MemoryProvider } from './memory-provider.js';

export {
  FaultPlan,
  type FaultRule,
  type MemoryFaults,
  type ProviderOperation,
  seededRandom,
} from './faults.js';
export { MemoryProvider, type MemoryProviderInit } from './memory-provider.js';
export { SYNTHETIC_FOLDER, SYNTHETIC_FOLDER_SIZE, SyntheticTree } from './synthetic.js';

/**
 * `ferry account add --provider memory`: an account that lives in the process, for demos,
 * end-to-end tests and benchmarks (`--set files=1000000` gives a 1M-file tree without bodies in
 * memory). Latency needs a timer, which pure core does not have: use `new MemoryProvider({sleep})`.
 */
export const memoryProviderFactory: ProviderFactory = {
  name: 'memory',
  description: 'an in-memory tree (reference provider; synthetic files and fault injection for tests)',
  options: [
    {
      key: 'seed',
      type: 'integer',
      required: false,
      default: 1,
      help: 'seeds synthetic content and random faults',
    },
    {
      key: 'files',
      type: 'integer',
      required: false,
      default: 0,
      help: 'number of generated tiny files under synthetic/ (1000 per folder)',
    },
    { key: 'quotaBytes', type: 'integer', required: false, help: 'total space quota() reports' },
    {
      key: 'rateLimitEvery',
      type: 'integer',
      required: false,
      default: 0,
      help: 'every k-th call answers 429 (0: never)',
    },
    {
      key: 'retryAfterMs',
      type: 'integer',
      required: false,
      default: 1000,
      help: 'Retry-After sent with a 429',
    },
    {
      key: 'transientEvery',
      type: 'integer',
      required: false,
      default: 0,
      help: 'every k-th call answers 500 (0: never)',
    },
    {
      key: 'truncateEvery',
      type: 'integer',
      required: false,
      default: 0,
      help: 'every k-th read ends short with TRUNCATED (0: never)',
    },
    { key: 'failAuth', type: 'boolean', required: false, default: false, help: 'every call fails with AUTH' },
  ],
  create(options: ProviderOptions): MemoryProvider {
    const integer = (key: string, fallback: number): number => {
      const value = options[key] ?? fallback;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        throw new FerryError('BAD_PROVIDER_OPTIONS', `memory: option '${key}' must be a whole number >= 0`);
      return value;
    };
    const seed = integer('seed', 1);
    const faults: MemoryFaults = {
      seed,
      rateLimited: { every: integer('rateLimitEvery', 0), retryAfterMs: integer('retryAfterMs', 1000) },
      transient: { every: integer('transientEvery', 0) },
      truncated: { every: integer('truncateEvery', 0) },
      ...(options.failAuth === true ? { auth: { every: 1 } } : {}),
    };
    return new MemoryProvider({
      faults,
      synthetic: { files: integer('files', 0), seed },
      ...(options.quotaBytes === undefined ? {} : { quotaBytes: integer('quotaBytes', 0) }),
    });
  },
};
