import { FerryError } from '../errors.js';

/**
 * The segments of a provider path: relative, '/'-separated, no leading or trailing slash, '' for
 * the root. '.', '..', empty segments and NUL are refused with UNSAFE_PATH, so a path can never
 * climb out of the provider's root, whatever the provider maps it onto.
 */
export function providerPathSegments(path: string): string[] {
  if (typeof path !== 'string') throw new FerryError('BAD_INPUT', 'a provider path must be text');
  if (path === '') return [];
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || segment.includes('\0'))
      throw new FerryError(
        'UNSAFE_PATH',
        `provider path '${path.replaceAll('\0', '\\0')}' is not a plain relative path`,
        "use '/'-separated names below the root, without '.', '..', empty parts or a leading '/'",
      );
  }
  return segments;
}

/** `folder` + '/' + `name`, where '' is the root. */
export function joinProviderPath(folder: string, name: string): string {
  return folder === '' ? name : `${folder}/${name}`;
}

/** Checks a read range; a range past the end is allowed (it yields what exists). */
export function checkReadRange(offset: number | undefined, length: number | undefined): void {
  for (const [what, value] of [
    ['offset', offset],
    ['length', length],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0))
      throw new FerryError(
        'BAD_INPUT',
        `read ${what} must be a non-negative whole number, got ${String(value)}`,
      );
  }
}
