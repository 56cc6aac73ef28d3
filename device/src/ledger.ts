/** What the ledger needs of a LevelDB sublevel (level 10 answers `undefined` for a missing key). */
export interface StringStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
}
type Sub = StringStore;

/** The parts store also lists its keys: a device sweeps part files nobody will finish. */
export interface PartStore extends StringStore {
  keys(): AsyncIterable<string>;
}

/** Where a verified copy of some content is: its path and the mtime Ferry gave it. */
export interface Holder {
  /** Relative to the disk root, so the ledger survives the disk being mounted elsewhere. */
  path: string;
  /** A copy edited on the disk since gets another mtime, and is not trusted as the content. */
  mtime: number;
}

/**
 * Small facts the device keeps beside its replica, on the disk itself. Paths are relative to the
 * disk root (a USB disk is mounted at another place on another machine):
 * - parts: final path → the version its `.ferry-part` holds the start of, so a restarted device
 *   resumes a download only when the cloud file is still the same;
 * - content: version (a provider hash) → one disk path holding it, so the same file in another
 *   folder or account is copied from the disk instead of downloaded again.
 */
export class Ledger {
  constructor(
    private readonly parts: PartStore,
    private readonly content: Sub,
  ) {}

  partVersion(finalPath: string): Promise<string | undefined> {
    return this.parts.get(finalPath);
  }

  startPart(finalPath: string, version: string): Promise<void> {
    return this.parts.put(finalPath, version);
  }

  endPart(finalPath: string): Promise<void> {
    return this.parts.del(finalPath);
  }

  /** Final paths with a part file under `folder` (disk-relative, e.g. a container's folder). */
  async partsUnder(folder: string): Promise<string[]> {
    const prefix = `${folder}/`;
    return (await this.partKeys()).filter((key) => key.startsWith(prefix));
  }

  /** Every final path with a part file (disk-relative). */
  async partKeys(): Promise<string[]> {
    const found: string[] = [];
    // Only downloads in progress or broken off are here: a handful, so a full scan is fine.
    for await (const key of this.parts.keys()) found.push(key);
    return found;
  }

  async holderOf(version: string): Promise<Holder | undefined> {
    const raw = await this.content.get(version);
    if (raw === undefined) return undefined;
    try {
      const holder = JSON.parse(raw) as Partial<Holder>;
      if (typeof holder.path === 'string' && typeof holder.mtime === 'number')
        return { path: holder.path, mtime: holder.mtime };
    } catch {
      // An entry in another shape (an older device): not trusted, the file is downloaded.
    }
    return undefined;
  }

  /** Only hash versions identify content; `s<size>-m<mtime>` says nothing across paths. */
  async remember(version: string, holder: Holder): Promise<void> {
    if (version.includes(':'))
      await this.content.put(version, JSON.stringify({ path: holder.path, mtime: holder.mtime }));
  }
}
