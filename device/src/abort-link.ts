/**
 * Aborts `target` when any of `sources` aborts (with that source's reason), until the returned
 * function unlinks it. What `AbortSignal.any` does, minus its leak: on Node 20 every signal it
 * makes stays registered with a long-lived source until that source aborts (nodejs/node#55351),
 * so one per file against the device's free-space signal kept ~80 bytes per file fetched — some
 * 80 MB over a 1,000,000-file container. Here the listeners go when the file is done.
 */
export function linkAbort(target: AbortController, sources: readonly AbortSignal[]): () => void {
  const already = sources.find((source) => source.aborted);
  if (already) {
    target.abort(already.reason);
    return () => {};
  }
  const listeners = sources.map((source) => {
    const onAbort = () => target.abort(source.reason);
    source.addEventListener('abort', onAbort, { once: true });
    return () => source.removeEventListener('abort', onAbort);
  });
  return () => {
    for (const unlink of listeners) unlink();
  };
}
