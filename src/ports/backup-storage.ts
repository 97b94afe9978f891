import type { Readable } from 'node:stream';

/** What a stored file reads back as. */
export interface StoredFile {
  bytes: number;
  sha256: string;
}

/**
 * Where backup files live: a local (or shared, mounted) folder today, an S3-compatible store
 * later. Keys are `/`-separated relative paths (`acme/<backup id>/orders.rows.gz`).
 */
export interface BackupStorage {
  /** Where the files are, for messages: `local:/srv/tenantops/backups`. */
  readonly location: string;
  /**
   * Stores everything `source` yields under `key`, replacing any earlier file atomically (a
   * killed writer leaves no half file under the key). Resolves with the stored size and SHA-256.
   */
  put(key: string, source: Readable): Promise<StoredFile>;
  /** The file's bytes; a missing file fails the stream with a message naming the key. */
  get(key: string): Readable;
  exists(key: string): Promise<boolean>;
  /** The stored size in bytes, or undefined when the file is not there. */
  size(key: string): Promise<number | undefined>;
}
