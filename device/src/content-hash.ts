import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { HashType } from '@ferry/core';

/** A running hash of a file's bytes, in the form the provider's listing gives it (lowercase hex). */
export interface ContentHash {
  update(bytes: Uint8Array): void;
  digest(): string;
}

/**
 * The hash a provider reports, computed on the device so a download is verified whatever the
 * cloud: md5/sha1/sha256 (S3, WebDAV, SFTP, Azure), OneDrive's quickxor, Dropbox's content hash
 * and crc32 (through rclone, which lists them as hex).
 */
export function contentHash(type: HashType): ContentHash {
  switch (type) {
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const hash = createHash(type);
      return { update: (bytes) => void hash.update(bytes), digest: () => hash.digest('hex') };
    }
    case 'crc32': {
      let value = 0;
      return {
        update: (bytes) => {
          value = crc32(bytes, value);
        },
        digest: () => value.toString(16).padStart(8, '0'),
      };
    }
    case 'dropbox':
      return new DropboxHash();
    case 'quickxor':
      return new QuickXorHash();
  }
}

const DROPBOX_BLOCK = 4 * 1024 * 1024;

/** Dropbox's content_hash: SHA-256 of the SHA-256 digests of each 4 MiB block, concatenated. */
class DropboxHash implements ContentHash {
  private readonly overall = createHash('sha256');
  private block = createHash('sha256');
  private inBlock = 0;

  update(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.byteLength) {
      const take = Math.min(DROPBOX_BLOCK - this.inBlock, bytes.byteLength - at);
      this.block.update(bytes.subarray(at, at + take));
      this.inBlock += take;
      at += take;
      if (this.inBlock === DROPBOX_BLOCK) this.endBlock();
    }
  }

  digest(): string {
    if (this.inBlock > 0) this.endBlock();
    return this.overall.digest('hex');
  }

  private endBlock(): void {
    this.overall.update(this.block.digest());
    this.block = createHash('sha256');
    this.inBlock = 0;
  }
}

const QUICKXOR_BYTES = 20;
/** The shift pattern repeats every 160 input bytes (160 × 11 bits ≡ 0 mod 160). */
const QUICKXOR_PERIOD = 160;

/**
 * OneDrive's QuickXorHash: byte k of the input is XORed into a 160-bit register at bit
 * (11·k mod 160), then the length (64-bit little-endian) is XORed into the last 8 bytes. Bytes 160
 * apart land at the same place, so the input is folded into 160 bytes first and placed once.
 */
class QuickXorHash implements ContentHash {
  private readonly folded = new Uint8Array(QUICKXOR_PERIOD);
  private length = 0;

  update(bytes: Uint8Array): void {
    let slot = this.length % QUICKXOR_PERIOD;
    for (let i = 0; i < bytes.byteLength; i++) {
      this.folded[slot] = (this.folded[slot] as number) ^ (bytes[i] as number);
      if (++slot === QUICKXOR_PERIOD) slot = 0;
    }
    this.length += bytes.byteLength;
  }

  digest(): string {
    const register = new Uint8Array(QUICKXOR_BYTES);
    for (let k = 0; k < QUICKXOR_PERIOD; k++) {
      const byte = this.folded[k] as number;
      if (byte === 0) continue;
      const bit = (k * 11) % 160;
      const at = bit >> 3;
      const shift = bit & 7;
      register[at] = (register[at] as number) ^ ((byte << shift) & 0xff);
      if (shift > 0) {
        const next = (at + 1) % QUICKXOR_BYTES;
        register[next] = (register[next] as number) ^ (byte >> (8 - shift));
      }
    }
    let length = BigInt(this.length);
    for (let i = 0; i < 8; i++) {
      register[QUICKXOR_BYTES - 8 + i] =
        (register[QUICKXOR_BYTES - 8 + i] as number) ^ Number(length & 0xffn);
      length >>= 8n;
    }
    return Buffer.from(register).toString('hex');
  }
}
