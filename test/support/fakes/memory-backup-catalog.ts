// BackupCatalog over MemoryDb, statement by statement as pg-backup-catalog.ts runs them, with
// migration 006_backups.sql's CHECKs, foreign keys and row-level security by tenant.
import { isBackupId, type BackupRecord } from '../../../src/domain/backups/backup';
import { Scope } from '../../../src/domain/tenants/scope';
import type { BackupCatalog, FinishedBackup, NewBackup } from '../../../src/ports/backup-catalog';
import type { Clock } from '../../../src/ports/clock';
import { clone, rlsViolation, type MemoryDb, type Rls } from './memory-db';

function constraint(kind: 'check' | 'foreign key'): Error {
  return Object.assign(new Error(`new row for relation "backups" violates ${kind} constraint`), {
    code: kind === 'check' ? '23514' : '23503',
  });
}

/** The table's CHECKs, on a row as it would be written. */
function checked(row: BackupRecord): BackupRecord {
  const ok =
    isBackupId(row.id) &&
    ['full', 'incremental'].includes(row.kind) &&
    ['running', 'complete', 'failed'].includes(row.status) &&
    (row.kind === 'full' || row.status !== 'complete' || row.parentId !== null) &&
    (row.status !== 'complete' || (row.snapshotAt !== null && row.structure !== null));
  if (!ok) throw constraint('check');
  return row;
}

/** `snapshot_at DESC` puts NULLs first, as Postgres does. */
const snapshotDesc = (a: BackupRecord, b: BackupRecord) =>
  (b.snapshotAt?.getTime() ?? Infinity) - (a.snapshotAt?.getTime() ?? Infinity);

/** The backup catalog in memory; `clock` stands for the database's `now()`. */
export class MemoryBackupCatalog implements BackupCatalog {
  constructor(
    private readonly db: MemoryDb,
    private readonly clock: Clock,
  ) {}

  private visible(rls: Rls): BackupRecord[] {
    return rls.t.backups.filter((b) => rls.allows([b.tenantId]));
  }

  private wrote(rls: Rls, tenant: string, op: 'insert' | 'update', what: string): void {
    rls.wrote({ table: 'backups', op, tenants: [tenant], incident: 0, what });
  }

  begin(b: NewBackup): Promise<void> {
    return this.db.transaction(Scope.of([b.tenantId]), (rls) => {
      if (!rls.allows([b.tenantId])) throw rlsViolation('backups');
      if (!rls.t.tenants.some((t) => t.id === b.tenantId)) throw constraint('foreign key');
      if (b.parentId !== null && !rls.t.backups.some((x) => x.id === b.parentId))
        throw constraint('foreign key');
      const existing = rls.t.backups.find((x) => x.id === b.id);
      if (existing) {
        // ON CONFLICT DO UPDATE sees the existing row through the UPDATE policy.
        if (!rls.allows([existing.tenantId])) throw rlsViolation('backups');
        if (existing.status === 'complete' || existing.tenantId !== b.tenantId)
          return Promise.resolve();
        Object.assign(
          existing,
          checked({
            ...clone(existing),
            kind: b.kind,
            parentId: b.parentId,
            status: 'running',
            host: b.host,
            storage: b.storage,
            startedAt: new Date(b.startedAt),
            error: null,
            finishedAt: null,
          }),
        );
        this.wrote(rls, b.tenantId, 'update', `${b.id} restarted`);
        return Promise.resolve();
      }
      rls.t.backups.push(
        checked({
          id: b.id,
          tenantId: b.tenantId,
          kind: b.kind,
          parentId: b.parentId,
          status: 'running',
          sourceSchema: '',
          schemaVersion: 0,
          host: b.host,
          storage: b.storage,
          snapshotAt: null,
          startedAt: new Date(b.startedAt),
          finishedAt: null,
          bytes: 0,
          tables: [],
          structure: null,
          structureSha256: null,
          note: null,
          error: null,
        }),
      );
      this.wrote(rls, b.tenantId, 'insert', b.id);
      return Promise.resolve();
    });
  }

  complete(tenant: string, id: string, f: FinishedBackup): Promise<void> {
    return this.db.transaction(Scope.of([tenant]), (rls) => {
      const row = this.visible(rls).find((b) => b.id === id && b.tenantId === tenant);
      if (!row) return Promise.resolve();
      if (f.parentId !== null && !rls.t.backups.some((x) => x.id === f.parentId))
        throw constraint('foreign key');
      Object.assign(
        row,
        checked({
          ...clone(row),
          ...clone(f),
          status: 'complete',
          error: null,
        }),
      );
      this.wrote(rls, tenant, 'update', `${id} complete`);
      return Promise.resolve();
    });
  }

  fail(tenant: string, id: string, error: string): Promise<void> {
    return this.db.transaction(Scope.of([tenant]), (rls) => {
      const row = this.visible(rls).find(
        (b) => b.id === id && b.tenantId === tenant && b.status === 'running',
      );
      if (!row) return Promise.resolve();
      Object.assign(row, { status: 'failed', error: error.slice(0, 2000) });
      row.finishedAt = this.clock.now();
      this.wrote(rls, tenant, 'update', `${id} failed`);
      return Promise.resolve();
    });
  }

  get(tenant: string, id: string): Promise<BackupRecord | undefined> {
    return this.db.transaction(Scope.of([tenant]), (rls) =>
      Promise.resolve(clone(this.visible(rls).find((b) => b.id === id && b.tenantId === tenant))),
    );
  }

  listOf(tenant: string): Promise<BackupRecord[]> {
    return this.db.transaction(Scope.of([tenant]), (rls) => {
      const at = (b: BackupRecord) => (b.snapshotAt ?? b.startedAt).getTime();
      const rows = this.visible(rls)
        .filter((b) => b.tenantId === tenant)
        .sort((a, b) => at(b) - at(a) || b.id.localeCompare(a.id));
      return Promise.resolve(clone(rows));
    });
  }

  newestPerTenant(): Promise<BackupRecord[]> {
    const scope = Scope.platform("RPO watch: every tenant's newest backup");
    return this.db.transaction(scope, (rls) => {
      const newest = new Map<string, BackupRecord>();
      const rows = this.visible(rls)
        .filter((b) => b.status === 'complete')
        .sort((a, b) => snapshotDesc(a, b) || b.id.localeCompare(a.id));
      for (const b of rows) if (!newest.has(b.tenantId)) newest.set(b.tenantId, b);
      const out = [...newest.values()].sort((a, b) => a.tenantId.localeCompare(b.tenantId));
      return Promise.resolve(clone(out));
    });
  }
}
