import type {
  BackupFileRef,
  BackupKind,
  BackupRecord,
  BackupStatus,
  BackupTable,
} from '../../domain/backups/backup';
import type { BackupCatalog, FinishedBackup, NewBackup } from '../../ports/backup-catalog';
import type { Database } from './database';
import { Scope } from '../../domain/tenants/scope';

interface BackupRow {
  id: string;
  tenant_id: string;
  kind: BackupKind;
  parent_id: string | null;
  status: BackupStatus;
  source_schema: string | null;
  schema_version: number | null;
  host: string;
  storage: string;
  snapshot_at: Date | null;
  started_at: Date;
  finished_at: Date | null;
  bytes: string;
  tables: BackupTable[];
  structure: BackupFileRef | null;
  structure_sha256: string | null;
  note: string | null;
  error: string | null;
}

function toRecord(r: BackupRow): BackupRecord {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    kind: r.kind,
    parentId: r.parent_id,
    status: r.status,
    sourceSchema: r.source_schema ?? '',
    schemaVersion: r.schema_version ?? 0,
    host: r.host,
    storage: r.storage,
    snapshotAt: r.snapshot_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    bytes: Number(r.bytes),
    tables: r.tables,
    structure: r.structure,
    structureSha256: r.structure_sha256,
    note: r.note,
    error: r.error,
  };
}

/** The backup catalog (migration 006), read and written as the app role within the tenant's scope. */
export class PgBackupCatalog implements BackupCatalog {
  constructor(private readonly db: Database) {}

  async begin(b: NewBackup): Promise<void> {
    await this.db.scoped(Scope.of([b.tenantId]), (c) =>
      c.query(
        `INSERT INTO backups (id, tenant_id, kind, parent_id, status, host, storage, started_at)
         VALUES ($1, $2, $3, $4, 'running', $5, $6, $7)
         ON CONFLICT (id) DO UPDATE SET kind = $3, parent_id = $4, status = 'running', host = $5,
           storage = $6, started_at = $7, error = NULL, finished_at = NULL
         WHERE backups.status <> 'complete' AND backups.tenant_id = $2`,
        [b.id, b.tenantId, b.kind, b.parentId, b.host, b.storage, b.startedAt],
      ),
    );
  }

  async complete(tenant: string, id: string, f: FinishedBackup): Promise<void> {
    await this.db.scoped(Scope.of([tenant]), (c) =>
      c.query(
        `UPDATE backups SET status = 'complete', kind = $3, parent_id = $4, source_schema = $5,
           schema_version = $6, snapshot_at = $7, finished_at = $8, bytes = $9, tables = $10,
           structure = $11, structure_sha256 = $12, note = $13, error = NULL
         WHERE id = $1 AND tenant_id = $2`,
        [
          id,
          tenant,
          f.kind,
          f.parentId,
          f.sourceSchema,
          f.schemaVersion,
          f.snapshotAt,
          f.finishedAt,
          f.bytes,
          JSON.stringify(f.tables),
          JSON.stringify(f.structure),
          f.structureSha256,
          f.note,
        ],
      ),
    );
  }

  async fail(tenant: string, id: string, error: string): Promise<void> {
    await this.db.scoped(Scope.of([tenant]), (c) =>
      c.query(
        `UPDATE backups SET status = 'failed', error = $3, finished_at = now()
         WHERE id = $1 AND tenant_id = $2 AND status = 'running'`,
        [id, tenant, error.slice(0, 2000)],
      ),
    );
  }

  get(tenant: string, id: string): Promise<BackupRecord | undefined> {
    return this.db.scoped(Scope.of([tenant]), async (c) => {
      const { rows } = await c.query<BackupRow>(
        'SELECT * FROM backups WHERE id = $1 AND tenant_id = $2',
        [id, tenant],
      );
      return rows[0] ? toRecord(rows[0]) : undefined;
    });
  }

  listOf(tenant: string): Promise<BackupRecord[]> {
    return this.db.scoped(Scope.of([tenant]), async (c) => {
      const { rows } = await c.query<BackupRow>(
        `SELECT * FROM backups WHERE tenant_id = $1
         ORDER BY coalesce(snapshot_at, started_at) DESC, id DESC`,
        [tenant],
      );
      return rows.map(toRecord);
    });
  }

  newestPerTenant(): Promise<BackupRecord[]> {
    return this.db.scoped(Scope.platform("RPO watch: every tenant's newest backup"), async (c) => {
      const { rows } = await c.query<BackupRow>(
        `SELECT DISTINCT ON (tenant_id) * FROM backups WHERE status = 'complete'
         ORDER BY tenant_id, snapshot_at DESC, id DESC`,
      );
      return rows.map(toRecord);
    });
  }
}
