import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { pipeline, Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type { BackupFileRef, BackupRecord } from '../../domain/backups/backup';
import { DomainError } from '../../domain/errors';
import type { BackupStorage } from '../../ports/backup-storage';

/**
 * gzip level 1: the bench's COPY text compresses ~3x at it; level 6 took twice the CPU for 5 %
 * less, while the backup holds a snapshot open on the SaaS (zstd is not in Node 20's zlib).
 */
const GZIP_LEVEL = 1;

/** Compresses `source` into the storage under `key`. */
export async function putGzipped(
  storage: BackupStorage,
  key: string,
  source: Readable | AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<BackupFileRef> {
  const input = source instanceof Readable ? source : Readable.from(source);
  const gzip = createGzip({ level: GZIP_LEVEL, memLevel: 9, chunkSize: 256 * 1024 });
  const compressed = pipeline(input, gzip, () => undefined);
  const stored = await storage.put(key, compressed);
  return { key, ...stored };
}

function unreadable(storage: BackupStorage, ref: BackupFileRef, b: BackupRecord, why: string) {
  const elsewhere =
    b.host !== hostname()
      ? `; it was written on host ${b.host}, this is ${hostname()}: workers on several machines need the backup folder shared between them`
      : ` (written on this host, ${b.host})`;
  return new DomainError(
    'backup_unreadable',
    `backup file ${ref.key} of ${b.id} cannot be read from ${storage.location}: ${why}${elsewhere}`,
  );
}

function corrupt(ref: BackupFileRef, b: BackupRecord, why: string) {
  return new DomainError('backup_corrupt', `backup file ${ref.key} of ${b.id} is corrupt: ${why}`);
}

/** Present, of the recorded size and SHA-256: said naming the file and the host that wrote it. */
export async function verifyFile(
  storage: BackupStorage,
  ref: BackupFileRef,
  b: BackupRecord,
): Promise<void> {
  const size = await storage.size(ref.key);
  if (size === undefined) throw unreadable(storage, ref, b, 'no such file');
  if (size !== ref.bytes)
    throw corrupt(ref, b, `${size} bytes where ${ref.bytes} were written (truncated or changed)`);
  const hash = createHash('sha256');
  try {
    for await (const chunk of storage.get(ref.key)) hash.update(chunk as Buffer);
  } catch (err) {
    throw unreadable(storage, ref, b, (err as Error).message);
  }
  const sha = hash.digest('hex');
  if (sha !== ref.sha256)
    throw corrupt(
      ref,
      b,
      `checksum mismatch (SHA-256 ${sha.slice(0, 12)}…, recorded ${ref.sha256.slice(0, 12)}…)`,
    );
}

/**
 * The file's decompressed bytes. Its size and SHA-256 are checked as it is read, and any
 * failure (missing, truncated, gzip error, checksum) becomes one error naming the file.
 */
export async function* readBackupFile(
  storage: BackupStorage,
  ref: BackupFileRef,
  b: BackupRecord,
  onRawBytes: (n: number) => void = () => undefined,
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let bytes = 0;
  const raw = storage.get(ref.key);
  const gunzip = createGunzip({ chunkSize: 256 * 1024 });
  raw.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
    onRawBytes(chunk.length);
    if (!gunzip.write(chunk)) raw.pause();
  });
  gunzip.on('drain', () => raw.resume());
  raw.on('error', (err) => gunzip.destroy(err));
  raw.on('end', () => {
    const sha = hash.digest('hex');
    if (bytes !== ref.bytes)
      gunzip.destroy(corrupt(ref, b, `${bytes} bytes where ${ref.bytes} were written (truncated)`));
    else if (sha !== ref.sha256) gunzip.destroy(corrupt(ref, b, 'checksum mismatch'));
    else gunzip.end();
  });
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof DomainError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw unreadable(storage, ref, b, 'no such file');
    if (e.code?.startsWith('Z_')) throw corrupt(ref, b, `gzip: ${e.message}`);
    throw unreadable(storage, ref, b, e.message);
  } finally {
    raw.destroy();
    gunzip.destroy();
  }
}

/** The whole (small) file, decompressed. */
export async function readSmallFile(
  storage: BackupStorage,
  ref: BackupFileRef,
  b: BackupRecord,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of readBackupFile(storage, ref, b)) parts.push(chunk);
  return Buffer.concat(parts);
}
