import type { ApiTables } from './db.js';

/**
 * What the sync layer asks before it opens a document for a principal: who owns a container and
 * which device it is bound to, who owns a device. Read fresh on every call (a removed container or
 * an unbound device loses access at once); a household relay has few records.
 */
export interface AccessLookups {
  container(name: string): Promise<{ user: string; device: string } | undefined>;
  device(name: string): Promise<{ user: string; bound: boolean } | undefined>;
  /** Containers bound to a device (for a device's list of docs). */
  containersOfDevice(device: string): Promise<string[]>;
}

export function accessLookups(tables: ApiTables): AccessLookups {
  return {
    async container(name) {
      const record = await tables.containers.get(name);
      return record ? { user: record.user, device: record.device } : undefined;
    },
    async device(name) {
      const record = await tables.devices.get(name);
      return record ? { user: record.user, bound: record.tokenHash !== undefined } : undefined;
    },
    async containersOfDevice(device) {
      return (await tables.containers.values()).filter((c) => c.device === device).map((c) => c.name);
    },
  };
}
