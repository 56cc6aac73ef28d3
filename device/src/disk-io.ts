import { constants, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';

/**
 * Every file-system call the device makes on the backup disk goes through this interface, so the
 * fault tests can swap in a disk that fills up, fails writes or loses power (syncthing's fakefs
 * idea). The real one is a thin layer over node:fs/promises.
 */
export interface DiskIO {
  /** Bytes a non-root writer may still use on the disk holding `path`. */
  freeBytes(path: string): Promise<number>;
  open(path: string, flags: 'a' | 'w' | 'r'): Promise<DiskFile>;
  stat(path: string): Promise<Stats | undefined>;
  mkdir(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Hard link where the file system allows it, else a copy (exFAT, some NAS mounts). */
  linkOrCopy(from: string, to: string): Promise<void>;
  /** A copy that shares blocks where the file system can (reflink), else a plain copy. */
  copy(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  setMtime(path: string, mtimeMs: number): Promise<void>;
  /** fsync of a folder, so a rename inside it survives a power cut. */
  syncFolder(path: string): Promise<void>;
}

export interface DiskFile {
  write(bytes: Uint8Array): Promise<void>;
  read(buffer: Uint8Array, position: number): Promise<number>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

export const nodeDisk: DiskIO = {
  async freeBytes(path) {
    const info = await fs.statfs(path);
    return info.bavail * info.bsize;
  },
  async open(path, flags) {
    const handle = await fs.open(path, flags);
    return {
      async write(bytes) {
        let done = 0;
        while (done < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.byteLength - done);
          done += bytesWritten;
        }
      },
      async read(buffer, position) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, position);
        return bytesRead;
      },
      sync: () => handle.sync(),
      close: () => handle.close(),
    };
  },
  async stat(path) {
    try {
      return await fs.lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
  async mkdir(path) {
    await fs.mkdir(path, { recursive: true });
  },
  rename: (from, to) => fs.rename(from, to),
  async linkOrCopy(from, to) {
    try {
      await fs.link(from, to);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EPERM' && code !== 'EXDEV' && code !== 'ENOTSUP' && code !== 'EMLINK') throw error;
      await fs.copyFile(from, to, constants.COPYFILE_FICLONE);
    }
  },
  copy: (from, to) => fs.copyFile(from, to, constants.COPYFILE_FICLONE),
  remove: (path) => fs.rm(path, { force: true }),
  async setMtime(path, mtimeMs) {
    const when = new Date(mtimeMs);
    await fs.utimes(path, when, when);
  },
  async syncFolder(path) {
    const handle = await fs.open(path, 'r');
    try {
      await handle.sync();
    } catch (error) {
      // Some file systems (exFAT over FUSE, SMB) refuse fsync on a folder; the rename still happened.
      if (
        (error as NodeJS.ErrnoException).code !== 'EINVAL' &&
        (error as NodeJS.ErrnoException).code !== 'EISDIR'
      )
        throw error;
    } finally {
      await handle.close();
    }
  },
};
