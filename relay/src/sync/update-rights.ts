import * as Y from 'yjs';
import type { WriteRight } from './access.js';

/** `malformed`: the bytes are no Yjs update at all (a broken peer, not a rights question). */
export type UpdateVerdict = { ok: true } | { ok: false; reason: string; malformed?: true };

type Struct = Y.Item | Y.GC | Y.Skip;
type Id = { client: number; clock: number };

/** A chain of parent/origin references longer than this is refused (a hostile update). */
const MAX_CHAIN = 1_000_000;

const stateOf = (structs: Struct[] | undefined): number => {
  const last = structs?.at(-1);
  return last === undefined ? 0 : last.id.clock + last.length;
};

/** Index of the struct holding `clock` in a clock-sorted list, or -1. */
function indexAt(structs: Struct[], clock: number): number {
  let low = 0;
  let high = structs.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const struct = structs[mid] as Struct;
    if (clock < struct.id.clock) high = mid - 1;
    else if (clock >= struct.id.clock + struct.length) low = mid + 1;
    else return mid;
  }
  return -1;
}

/** Whether the structs (no Skip) of one client cover every clock in [from, to). */
function covers(structs: Struct[] | undefined, from: number, to: number): boolean {
  if (structs === undefined) return false;
  let clock = from;
  for (let index = indexAt(structs, from); index >= 0 && index < structs.length && clock < to; index++) {
    const struct = structs[index] as Struct;
    if (struct.id.clock > clock || struct instanceof Y.Skip) return false;
    clock = struct.id.clock + struct.length;
  }
  return clock >= to;
}

/** Root name of an integrated item's type (walking up nested types), undefined for a GC. */
function rootOfDocStruct(struct: Struct): string | undefined {
  if (!(struct instanceof Y.Item)) return undefined;
  let type = struct.parent as Y.AbstractType<unknown> | null;
  for (let depth = 0; type !== null && depth < MAX_CHAIN; depth++) {
    if (type._item === null) return Y.findRootTypeKey(type);
    type = type._item.parent as Y.AbstractType<unknown> | null;
  }
  return undefined;
}

/**
 * Checks an incoming Yjs update against a write right WITHOUT applying it: every item it inserts
 * must land (through its parent, or its origin's parent when the encoding leaves the parent out)
 * in an allowed top-level map, and every deletion must hit only items of allowed maps. Parts the
 * relay already has (items it knows, items already deleted) change nothing and pass; anything
 * that cannot be resolved against the relay's doc or the update itself is refused.
 */
export function checkUpdate(doc: Y.Doc, update: Uint8Array, write: WriteRight): UpdateVerdict {
  if (write === 'all') return { ok: true };
  const allowed = new Set(write === 'none' ? [] : write.maps);
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { ok: false, reason: 'malformed update', malformed: true };
  }
  const incoming = new Map<number, Struct[]>();
  for (const struct of decoded.structs) {
    const list = incoming.get(struct.id.client);
    if (list === undefined) incoming.set(struct.id.client, [struct]);
    else list.push(struct);
  }
  for (const list of incoming.values()) list.sort((a, b) => a.id.clock - b.id.clock);

  const roots = new Map<Struct, string | undefined>();
  const find = (id: Id): { struct: Struct; integrated: boolean } | undefined => {
    const known = doc.store.clients.get(id.client) as Struct[] | undefined;
    if (known !== undefined && id.clock < stateOf(known)) {
      const index = indexAt(known, id.clock);
      if (index >= 0) return { struct: known[index] as Struct, integrated: true };
    }
    const list = incoming.get(id.client);
    const index = list === undefined ? -1 : indexAt(list, id.clock);
    return index >= 0 ? { struct: (list as Struct[])[index] as Struct, integrated: false } : undefined;
  };
  /** Root name of the type a not yet integrated item goes into; undefined when unresolvable. */
  const rootOfIncoming = (start: Y.Item): string | undefined => {
    const chain: Struct[] = [];
    let current: Struct = start;
    let root: string | undefined;
    for (let steps = 0; ; steps++) {
      if (roots.has(current)) {
        root = roots.get(current);
        break;
      }
      if (steps > MAX_CHAIN || !(current instanceof Y.Item)) break;
      chain.push(current);
      const parent = current.parent as unknown;
      if (typeof parent === 'string') {
        root = parent;
        break;
      }
      // A parent given by id is the nested type inside that item: its root is the item's root.
      // Without a parent, the item sits next to its origin, in the same type.
      const next = (parent as Id | null) ?? current.origin ?? current.rightOrigin;
      if (next === null) break;
      const found = find(next);
      if (found === undefined) break;
      if (found.integrated) {
        root = rootOfDocStruct(found.struct);
        break;
      }
      if (chain.includes(found.struct)) break; // a loop: hostile
      current = found.struct;
    }
    for (const struct of chain) roots.set(struct, root);
    return root;
  };

  for (const [client, list] of incoming) {
    const known = stateOf(doc.store.clients.get(client) as Struct[] | undefined);
    for (const struct of list) {
      if (!(struct instanceof Y.Item)) continue; // GC and Skip ranges insert nothing
      if (struct.id.clock + struct.length <= known) continue; // the relay has it already
      const root = rootOfIncoming(struct);
      if (root === undefined) return { ok: false, reason: 'refers to content the relay does not have' };
      if (!allowed.has(root)) return { ok: false, reason: `writes to '${root}'` };
    }
  }

  for (const [client, ranges] of decoded.ds.clients) {
    const known = doc.store.clients.get(client) as Struct[] | undefined;
    const knownEnd = stateOf(known);
    for (const { clock, len } of ranges) {
      const end = clock + len;
      if (known !== undefined && clock < knownEnd) {
        for (let index = indexAt(known, clock); index >= 0 && index < known.length; index++) {
          const struct = known[index] as Struct;
          if (struct.id.clock >= end) break;
          if (!(struct instanceof Y.Item) || struct.deleted) continue; // nothing left to delete
          const root = rootOfDocStruct(struct);
          if (root === undefined || !allowed.has(root))
            return { ok: false, reason: `deletes in '${root ?? 'an unknown type'}'` };
        }
      }
      // Beyond what the relay has, a deletion may only cover items of this same (checked) update.
      if (end > knownEnd && !covers(incoming.get(client), Math.max(clock, knownEnd), end))
        return { ok: false, reason: 'deletes content the relay does not have' };
    }
  }
  return { ok: true };
}
