import { type DocName, FerryError, parseDocName, receiptsKey } from '@ferry/core';
import type { AccessLookups } from '../lookups.js';
import type { Principal } from '../records.js';

/**
 * What a principal may write into one document: nothing, any top-level type of it, or only the
 * named top-level maps (a device's `receipts/<itself>` in a group doc).
 */
export type WriteRight = 'none' | 'all' | { maps: readonly string[] };

export type DocAccess =
  | { ok: true; doc: DocName; read: true; write: WriteRight }
  | { ok: false; code: 4400 | 4403; reason: string };

/** Close codes of a refused sync socket (the device treats 4400-4499 as "refused", no retry). */
export const CLOSE_BAD_NAME = 4400;
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_FORBIDDEN = 4403;

const forbidden = (): DocAccess => ({ ok: false, code: CLOSE_FORBIDDEN, reason: 'not your document' });

/**
 * The rights table of docs/relay.md ("Document rights"). The name is parsed with core's
 * parseDocName before any record is read, and every answer comes from the records as they are
 * now (a removed container or unbound device is refused at once). Another user's name reads
 * exactly like one that does not exist.
 */
export async function authorizeDoc(
  principal: Principal,
  rawName: string,
  lookups: AccessLookups,
): Promise<DocAccess> {
  let doc: DocName;
  try {
    doc = parseDocName(rawName);
  } catch (error) {
    if (error instanceof FerryError && error.code === 'BAD_DOC_NAME')
      return { ok: false, code: CLOSE_BAD_NAME, reason: 'not a Ferry document name' };
    throw error;
  }
  const granted = (write: WriteRight): DocAccess => ({ ok: true, doc, read: true, write });

  if (doc.kind === 'device') {
    if (principal.kind === 'device') {
      if (doc.device !== principal.device) return forbidden();
      const self = await lookups.device(principal.device);
      return self?.bound && self.user === principal.user ? granted('all') : forbidden();
    }
    const device = await lookups.device(doc.device);
    return device?.user === principal.user ? granted('none') : forbidden();
  }

  const container = await lookups.container(doc.container);
  if (container === undefined || container.user !== principal.user) return forbidden();
  if (principal.kind === 'user') return granted('none');

  // A device: only the containers bound to it, and only its own progress doc.
  if (container.device !== principal.device) return forbidden();
  const self = await lookups.device(principal.device);
  if (!self?.bound || self.user !== principal.user) return forbidden();
  switch (doc.kind) {
    case 'index':
      return granted('none');
    case 'group':
      return granted({ maps: [receiptsKey(principal.device)] });
    case 'progress':
      return doc.device === principal.device ? granted('all') : forbidden();
  }
}
