import type { BackupChain, BackupRecord, BackupTable } from '../../domain/backups/backup';
import { DomainError } from '../../domain/errors';
import type { BackupStorage } from '../../ports/backup-storage';
import { readBackupFile } from './backup-files';
import { bytesOf, linesOf, type LineSource } from './copy-text';
import type { Keyer } from './pk-order';
import { applyChanges } from './row-merge';

function entryOf(b: BackupRecord, table: string): BackupTable {
  const e = b.tables.find((t) => t.name === table);
  if (!e)
    throw new DomainError(
      'backup_chain_broken',
      `backup ${b.id} has no table ${table}, which a later backup of its chain has`,
    );
  return e;
}

/** Where in the chain a table's state starts: its last full copy (rows or whole). */
function startOf(chain: BackupChain, table: string): number {
  for (let i = chain.length - 1; i > 0; i--)
    if (entryOf(chain[i]!, table).storage !== 'changes') return i;
  return 0;
}

/**
 * A table's rows at the chain's last snapshot, in primary-key order: its last full copy with
 * each later incremental's changes merged in. Files are verified as they are read.
 */
export function chainRows(
  storage: BackupStorage,
  chain: BackupChain,
  table: string,
  keyer: Keyer | undefined,
  onRawBytes?: (n: number) => void,
): LineSource {
  const start = startOf(chain, table);
  const read = (b: BackupRecord) =>
    linesOf(readBackupFile(storage, entryOf(b, table).file, b, onRawBytes), `${table} in ${b.id}`);
  let rows = read(chain[start]!);
  for (const b of chain.slice(start + 1)) {
    if (!keyer) throw new Error(`table ${table} has changes in ${b.id} but no orderable key`);
    rows = applyChanges(rows, read(b), keyer, `${table} in ${b.id}`);
  }
  return rows;
}

/** The same as bytes; a single file is streamed as it is, without splitting it into rows. */
export function chainBytes(
  storage: BackupStorage,
  chain: BackupChain,
  table: string,
  keyer: Keyer | undefined,
  onRawBytes?: (n: number) => void,
): AsyncIterable<Buffer> {
  const start = startOf(chain, table);
  if (start === chain.length - 1) {
    const b = chain[start]!;
    return readBackupFile(storage, entryOf(b, table).file, b, onRawBytes);
  }
  return bytesOf(chainRows(storage, chain, table, keyer, onRawBytes));
}
