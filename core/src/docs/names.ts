import { FerryError } from '../errors.js';

/**
 * Names of containers and devices: they appear in document names, URLs and as the container's
 * folder on the disk, so they are plain identifiers, never free text.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkName(kind: 'container' | 'device' | 'account' | 'user', name: string): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name) || name.includes('..'))
    throw new FerryError(
      'BAD_INPUT',
      `${kind} name '${String(name)}' is not allowed`,
      'use 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit',
    );
  return name;
}

/** Longest display label of a device, in characters. */
export const MAX_LABEL_LENGTH = 64;

/**
 * A device's display label (what "rename" sets): free text for people, trimmed, at most
 * MAX_LABEL_LENGTH characters, no control characters. '' clears it. The device's name stays its
 * identity: it names its documents, its receipts and its token.
 */
export function checkLabel(label: string): string {
  const trimmed = typeof label === 'string' ? label.trim().normalize('NFC') : '';
  if (typeof label !== 'string' || [...trimmed].length > MAX_LABEL_LENGTH || /\p{Cc}/u.test(trimmed))
    throw new FerryError(
      'BAD_INPUT',
      'the device label is not allowed',
      `use at most ${MAX_LABEL_LENGTH} characters without control characters (empty clears it)`,
    );
  return trimmed;
}

/** The replicated documents of DESIGN.md, one variant per kind. */
export type DocName =
  | { kind: 'index'; container: string }
  | { kind: 'group'; container: string; group: number }
  | { kind: 'progress'; container: string; device: string }
  | { kind: 'device'; device: string };

export const indexDocName = (container: string): string => `c/${container}`;
export const groupDocName = (container: string, group: number): string => `c/${container}/g/${group}`;
export const progressDocName = (container: string, device: string): string => `c/${container}/p/${device}`;
export const deviceDocName = (device: string): string => `d/${device}`;

export function formatDocName(name: DocName): string {
  switch (name.kind) {
    case 'index':
      return indexDocName(name.container);
    case 'group':
      return groupDocName(name.container, name.group);
    case 'progress':
      return progressDocName(name.container, name.device);
    case 'device':
      return deviceDocName(name.device);
  }
}

const GROUP_NUMBER = /^(0|[1-9][0-9]{0,8})$/;

/**
 * Reads a document name sent by a peer. Anything off-layout is refused before a document is
 * touched, which is what lets the relay authorise by name alone.
 */
export function parseDocName(raw: string): DocName {
  const bad = () =>
    new FerryError('BAD_DOC_NAME', `'${String(raw).slice(0, 200)}' is not a Ferry document name`);
  if (typeof raw !== 'string' || raw.length > 200) throw bad();
  const parts = raw.split('/');
  try {
    if (parts[0] === 'd' && parts.length === 2)
      return { kind: 'device', device: checkName('device', parts[1] ?? '') };
    if (parts[0] !== 'c' || parts.length < 2) throw bad();
    const container = checkName('container', parts[1] ?? '');
    if (parts.length === 2) return { kind: 'index', container };
    if (parts.length === 4 && parts[2] === 'g' && GROUP_NUMBER.test(parts[3] ?? ''))
      return { kind: 'group', container, group: Number(parts[3]) };
    if (parts.length === 4 && parts[2] === 'p')
      return { kind: 'progress', container, device: checkName('device', parts[3] ?? '') };
  } catch (error) {
    if (error instanceof FerryError && error.code === 'BAD_INPUT') throw bad();
    throw error;
  }
  throw bad();
}
