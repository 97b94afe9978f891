import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupStorage, StoredFile } from '../../ports/backup-storage';

/**
 * Backup files in a folder (`TENANTOPS_DATA_DIR/backups`). With workers on several machines the
 * folder must be shared (NFS, a mounted volume): a restore reads what another host wrote.
 */
export class LocalBackupStorage implements BackupStorage {
  readonly location: string;

  constructor(private readonly root: string) {
    this.root = path.resolve(root);
    this.location = `local:${this.root}`;
  }

  private pathOf(key: string): string {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(key) || key.split('/').includes('..'))
      throw new Error(`invalid backup storage key "${key}"`);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, source: Readable): Promise<StoredFile> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Written aside and renamed: a killed writer never leaves a half file under the key.
    const partial = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, tap, createWriteStream(partial));
      const handle = await open(partial, 'r');
      await handle.sync().finally(() => handle.close());
      await rename(partial, file);
    } catch (err) {
      await unlink(partial).catch(() => undefined);
      throw err;
    }
    return { bytes, sha256: hash.digest('hex') };
  }

  get(key: string): Readable {
    return createReadStream(this.pathOf(key), { highWaterMark: 256 * 1024 });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(key))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
}
