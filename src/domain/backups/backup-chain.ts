import { DomainError } from '../errors';
import type { BackupChain, BackupRecord } from './backup';

/** Which backup a restore wants: a given id, the newest at or before a time, or the newest. */
export type BackupChoice = { backupId: string } | { at: Date } | 'latest';

/**
 * The chain (full first, the chosen backup last) that restores `choice`, from the tenant's
 * catalog rows. Only complete backups count.
 *
 * @throws DomainError `backup_not_found` (unknown id, or another tenant's: the rows given are
 *   the tenant's own), `backup_not_complete`, `no_backup_before` (`at` before the oldest),
 *   `no_backups`, `backup_chain_broken` (a parent missing or not complete).
 */
export function selectChain(
  tenant: string,
  backups: readonly BackupRecord[],
  choice: BackupChoice,
): BackupChain {
  const last = pickBackup(tenant, backups, choice);
  const byId = new Map(backups.map((b) => [b.id, b]));
  const chain: BackupRecord[] = [last];
  for (let b = last; b.kind === 'incremental';) {
    const parent = b.parentId ? byId.get(b.parentId) : undefined;
    if (!parent || parent.status !== 'complete' || chain.includes(parent))
      throw new DomainError(
        'backup_chain_broken',
        `backup ${b.id} of ${tenant} needs its parent ${b.parentId ?? '(none)'}, which is ` +
          `${parent ? `${parent.status}` : 'missing from the catalog'}`,
      );
    chain.unshift(parent);
    b = parent;
  }
  return chain;
}

function pickBackup(
  tenant: string,
  backups: readonly BackupRecord[],
  choice: BackupChoice,
): BackupRecord {
  if (typeof choice === 'object' && 'backupId' in choice) {
    const found = backups.find((b) => b.id === choice.backupId && b.tenantId === tenant);
    if (!found)
      throw new DomainError(
        'backup_not_found',
        `no backup ${choice.backupId} of tenant ${tenant} in the catalog`,
      );
    if (found.status !== 'complete')
      throw new DomainError(
        'backup_not_complete',
        `backup ${found.id} of ${tenant} is ${found.status}, not complete`,
      );
    return found;
  }
  const done = newestFirst(backups.filter((b) => b.status === 'complete' && b.tenantId === tenant));
  if (done.length === 0)
    throw new DomainError('no_backups', `tenant ${tenant} has no complete backup`);
  if (choice === 'latest') return done[0]!;
  const at = choice.at;
  const found = done.find((b) => b.snapshotAt! <= at);
  if (!found)
    throw new DomainError(
      'no_backup_before',
      `at=${at.toISOString()} is before the oldest backup of ${tenant} ` +
        `(${done.at(-1)!.id}, taken ${done.at(-1)!.snapshotAt!.toISOString()})`,
    );
  return found;
}

/** Complete backups, newest snapshot first (ties: the later id). */
export function newestFirst(backups: readonly BackupRecord[]): BackupRecord[] {
  return [...backups]
    .filter((b) => b.snapshotAt)
    .sort(
      (a, b) =>
        b.snapshotAt!.getTime() - a.snapshotAt!.getTime() ||
        (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    );
}
