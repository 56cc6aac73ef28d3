import type * as Y from 'yjs';

/** `d/<device>`, written by that device only (the relay adds nothing: online is its own observation). */
export type DeviceState = 'active' | 'inactive' | 'idle' | 'starting';

export interface CurrentFile {
  container: string;
  path: string;
  bytes: number;
  size: number;
}

export interface DeviceStatus {
  state: DeviceState;
  freeBytes: number;
  minFreeBytes: number;
  /** Milliseconds since the epoch, from the device's clock. */
  updatedAt: number;
  bytesPerSecond: number;
  current: CurrentFile[];
  /** Recent errors a user should see: `FERRY_<CODE>: message`, newest last, bounded. */
  errors: string[];
  /** Cloud names that were mapped to safe disk names: `cloud path -> disk path`. */
  renamed: string[];
}

export const statusMap = (doc: Y.Doc): Y.Map<unknown> => doc.getMap('status');

export function writeDeviceStatus(
  doc: Y.Doc,
  status: Partial<DeviceStatus>,
  origin: unknown = 'device',
): void {
  const map = statusMap(doc);
  doc.transact(() => {
    for (const [key, value] of Object.entries(status)) if (value !== undefined) map.set(key, value);
  }, origin);
}

export function readDeviceStatus(doc: Y.Doc): DeviceStatus | undefined {
  const map = statusMap(doc);
  if (!map.has('state')) return undefined;
  return Object.fromEntries(map.entries()) as unknown as DeviceStatus;
}
