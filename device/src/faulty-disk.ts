import type { DiskIO } from './disk-io.js';

export interface DiskFaults {
  /** Report this many free bytes instead of asking the file system (a disk filling up). */
  freeBytes?: number;
  /** Fail writes with ENOSPC once this many bytes were written through this disk. */
  spaceLeft?: number;
  /** Fail every rename with EIO (a disk that went read-only mid-way). */
  failRenames?: boolean;
}

/**
 * The device's disk with faults the tests can turn on and off while it runs (syncthing's fakefs
 * idea): a fake free-space figure, ENOSPC after N bytes, EIO on rename. Everything else is the real
 * file system, so what the device leaves behind can be checked on disk.
 */
export function faultyDisk(base: DiskIO, faults: DiskFaults): DiskIO {
  const errno = (code: string, message: string) => Object.assign(new Error(`${code}: ${message}`), { code });
  return {
    ...base,
    async freeBytes(path) {
      return faults.freeBytes ?? base.freeBytes(path);
    },
    async open(path, flags) {
      const file = await base.open(path, flags);
      return {
        ...file,
        async write(bytes) {
          if (faults.spaceLeft !== undefined) {
            if (bytes.byteLength > faults.spaceLeft)
              throw errno('ENOSPC', `no space left on device, write '${path}'`);
            faults.spaceLeft -= bytes.byteLength;
          }
          await file.write(bytes);
        },
      };
    },
    async rename(from, to) {
      if (faults.failRenames) throw errno('EIO', `i/o error, rename '${from}'`);
      await base.rename(from, to);
    },
  };
}
