import type { EncryptedBlob } from '@ferry/core/node';

/**
 * What the relay stores about users, devices, accounts and containers (one LevelDB sublevel each,
 * see db.ts). Names follow core's checkName; container and device names are global on a relay
 * because they are document names (`c/<container>`, `d/<device>`).
 */

export interface UserRecord {
  name: string;
  /** `scrypt$N$r$p$salt$hash` (base64url parts): the parameters travel with the hash. */
  passwordHash: string;
  createdAt: number;
}

export interface DeviceRecord {
  name: string;
  user: string;
  /**
   * sha256 of the device token (`fd_...`), hex; the token itself is never stored. Absent once the
   * device was unbound while containers still name it: the name stays reserved for its user, who
   * can pair a new device under it.
   */
  tokenHash?: string;
  createdAt: number;
  lastSeen?: number;
  /** Display label set by "rename" (core checkLabel); the name stays the device's identity. */
  label?: string;
}

/** AES-256-GCM blob (core's secret box); kept in the records, never leaves the relay. */
export type { EncryptedBlob };

export interface AccountRecord {
  name: string;
  user: string;
  provider: string;
  options: EncryptedBlob;
  createdAt: number;
  needsAttention?: string;
  /** The OAuth cloud (core OAUTH_CLOUDS id) of an rclone remote signed in with an app of its own: "Reconnect" works. */
  oauth?: string;
}

export interface ContainerRecord {
  name: string;
  user: string;
  account: string;
  /** Folder inside the account, '' for its root. */
  folder: string;
  device: string;
  groupSize: number;
  crawlIntervalMs: number;
  createdAt: number;
}

/** A session: stored under the sha256 of its token. */
export interface SessionRecord {
  user: string;
  /** What the token may do; 'user' is the only scope today (devices have their own tokens). */
  scope: 'user';
  createdAt: number;
  expiresAt: number;
}

/** A one-time pairing code: stored under the normalised code, deleted once redeemed. */
export interface PairingRecord {
  user: string;
  createdAt: number;
  expiresAt: number;
}

/** Who is calling: a person's session or a device's token. */
export type Principal = { kind: 'user'; user: string } | { kind: 'device'; user: string; device: string };
