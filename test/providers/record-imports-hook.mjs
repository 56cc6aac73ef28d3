/**
 * Module hook for lazy-sdk-child.ts: posts every URL the ESM loader resolves to the main thread
 * (the hooks run on a thread of their own), so the child can tell which packages were loaded.
 */
let port;

export function initialize(data) {
  port = data.port;
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}
