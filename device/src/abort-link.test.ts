import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { linkAbort } from './abort-link.js';

describe('linkAbort', () => {
  it('aborts the target with the reason of whichever source aborts', () => {
    const group = new AbortController();
    const space = new AbortController();
    const file = new AbortController();
    linkAbort(file, [group.signal, space.signal]);
    expect(file.signal.aborted).toBe(false);
    const reason = new Error('disk full');
    space.abort(reason);
    expect(file.signal.aborted).toBe(true);
    expect(file.signal.reason).toBe(reason);
  });

  it('aborts at once when a source is already aborted', () => {
    const space = new AbortController();
    space.abort('low');
    const file = new AbortController();
    linkAbort(file, [new AbortController().signal, space.signal]);
    expect(file.signal.reason).toBe('low');
  });

  it('leaves nothing on a long-lived source once unlinked, and no longer follows it', () => {
    const space = new AbortController();
    for (let i = 0; i < 1000; i++) {
      const file = new AbortController();
      const unlink = linkAbort(file, [space.signal]);
      unlink();
    }
    expect(getEventListeners(space.signal, 'abort')).toHaveLength(0);

    const file = new AbortController();
    linkAbort(file, [space.signal])();
    space.abort('late');
    expect(file.signal.aborted).toBe(false);
  });
});
