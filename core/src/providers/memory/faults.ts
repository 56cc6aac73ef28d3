import { FerryError, RateLimitedError } from '../../errors.js';

/** The provider calls a fault can hit. */
export type ProviderOperation = 'list' | 'stat' | 'read' | 'quota';
export const PROVIDER_OPERATIONS: readonly ProviderOperation[] = ['list', 'stat', 'read', 'quota'];

/**
 * When a fault fires: on every k-th call it applies to (`every`, counted per fault), with a
 * probability drawn from the seeded generator, or both. `operations` limits it (default: all).
 */
export interface FaultRule {
  every?: number;
  probability?: number;
  operations?: readonly ProviderOperation[];
}

export interface MemoryFaults {
  /** Seeds the probability draws: the same seed and call sequence give the same faults. */
  seed?: number;
  /** Waited (through the injected `sleep`) before every call. */
  latencyMs?: number;
  /** RATE_LIMITED (a 429): RateLimitedError carrying retryAfterMs. */
  rateLimited?: FaultRule & { retryAfterMs?: number };
  /** TRANSIENT (a 500). */
  transient?: FaultRule;
  /** AUTH (credentials refused). */
  auth?: FaultRule;
  /** Reads only: the body stops after `fraction` (default 0.5) of the range, then TRUNCATED. */
  truncated?: FaultRule & { fraction?: number };
}

export type FaultKind = 'auth' | 'rateLimited' | 'transient' | 'truncated';
const CALL_FAULTS = ['auth', 'rateLimited', 'transient'] as const;

/** mulberry32: small, fast, good enough to schedule faults; deterministic for a seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decides, call by call, which injected fault fires; counts what fired for tests to read. */
export class FaultPlan {
  readonly fired: Record<FaultKind, number> = { auth: 0, rateLimited: 0, transient: 0, truncated: 0 };
  private readonly counters: Record<FaultKind, number> = {
    auth: 0,
    rateLimited: 0,
    transient: 0,
    truncated: 0,
  };
  private readonly random: () => number;

  constructor(readonly faults: MemoryFaults) {
    for (const kind of [...CALL_FAULTS, 'truncated'] as const) checkRule(kind, faults[kind]);
    if (faults.latencyMs !== undefined && (!Number.isFinite(faults.latencyMs) || faults.latencyMs < 0))
      throw new FerryError('BAD_INPUT', `memory faults: latencyMs must be >= 0, got ${faults.latencyMs}`);
    const fraction = faults.truncated?.fraction;
    if (fraction !== undefined && !(fraction >= 0 && fraction < 1))
      throw new FerryError(
        'BAD_INPUT',
        `memory faults: truncated.fraction must be in [0, 1), got ${fraction}`,
      );
    this.random = seededRandom(faults.seed ?? 1);
  }

  /** Throws the fault this call draws, if any (auth first, then rate limit, then 500). */
  beforeCall(operation: ProviderOperation, name: string): void {
    for (const kind of CALL_FAULTS) {
      if (!this.fires(kind, operation)) continue;
      this.fired[kind]++;
      const what = `${name}: ${operation} failed by fault injection`;
      if (kind === 'auth') throw new FerryError('AUTH', `${what} (credentials refused)`);
      if (kind === 'rateLimited')
        throw new RateLimitedError(`${what} (429 Too Many Requests)`, this.faults.rateLimited?.retryAfterMs);
      throw new FerryError('TRANSIENT', `${what} (500 Internal Server Error)`);
    }
  }

  /** For a read of `length` bytes: how many to send before cutting the body, or undefined. */
  truncateAfter(length: number): number | undefined {
    if (!this.fires('truncated', 'read')) return undefined;
    this.fired.truncated++;
    return Math.floor(length * (this.faults.truncated?.fraction ?? 0.5));
  }

  private fires(kind: FaultKind, operation: ProviderOperation): boolean {
    const rule = this.faults[kind];
    if (rule === undefined) return false;
    if (rule.operations !== undefined && !rule.operations.includes(operation)) return false;
    this.counters[kind]++;
    const byCount = rule.every !== undefined && rule.every > 0 && this.counters[kind] % rule.every === 0;
    const byChance =
      rule.probability !== undefined && rule.probability > 0 && this.random() < rule.probability;
    return byCount || byChance;
  }
}

function checkRule(kind: FaultKind, rule: FaultRule | undefined): void {
  if (rule === undefined) return;
  if (rule.every !== undefined && (!Number.isSafeInteger(rule.every) || rule.every < 0))
    throw new FerryError('BAD_INPUT', `memory faults: ${kind}.every must be a whole number >= 0`);
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1))
    throw new FerryError('BAD_INPUT', `memory faults: ${kind}.probability must be in [0, 1]`);
  for (const operation of rule.operations ?? [])
    if (!PROVIDER_OPERATIONS.includes(operation))
      throw new FerryError('BAD_INPUT', `memory faults: ${kind}.operations has unknown '${operation}'`);
}
