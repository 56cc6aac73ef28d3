/** What the ledger needs of a LevelDB sublevel (level 10 answers `undefined` for a missing key). */
export interface StringStore {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
}
type Sub = StringStore;

/**
 * Small facts the device keeps beside its replica, on the disk itself:
 * - parts: final path → the version its `.ferry-part` holds the start of, so a restarted device
 *   resumes a download only when the cloud file is still the same;
 * - content: version (a provider hash) → one disk path holding it, so the same file in another
 *   folder or account is copied from the disk instead of downloaded again.
 */
export class Ledger {
  constructor(
    private readonly parts: Sub,
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

  holderOf(version: string): Promise<string | undefined> {
    return this.content.get(version);
  }

  /** Only hash versions identify content; `s<size>-m<mtime>` says nothing across paths. */
  async remember(version: string, diskPath: string): Promise<void> {
    if (version.includes(':')) await this.content.put(version, diskPath);
  }
}
