/**
 * Wakes the devices waiting on their container list (`GET /api/device/containers?wait=…`) when
 * anything that list is made of changes: a container added or removed, an account's options
 * updated or the account removed, a device unbound. Per user: a change wakes that user's waiting
 * devices, and each answers with its list as it now is (the same list if the change was not
 * theirs). In memory: a relay restart drops the waits, and the devices simply ask again.
 */
export class ContainerChanges {
  private readonly waiting = new Map<string, Set<() => void>>();
  /** Set by releaseAll: the relay is closing, and nobody waits any more. */
  closed = false;

  /** Resolves at the next change for `user`, after `timeoutMs`, or when `signal` aborts. */
  wait(user: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const set = this.waiting.get(user) ?? new Set<() => void>();
      this.waiting.set(user, set);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(user) === set) this.waiting.delete(user);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  notify(user: string): void {
    for (const wake of [...(this.waiting.get(user) ?? [])]) wake();
  }

  /** Every wait ends now, and later ones at once (the relay is closing). */
  releaseAll(): void {
    this.closed = true;
    for (const set of [...this.waiting.values()]) for (const wake of [...set]) wake();
  }

  /** How many requests wait (tests). */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
