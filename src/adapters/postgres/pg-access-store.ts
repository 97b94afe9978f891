import type { RoleBinding } from '../../domain/access/access';
import type { AccessStore, AuditEntry, AuditLog, Tenant } from '../../ports/incident-store';
import type { Database } from './database';
import { Scope } from '../../domain/tenants/scope';
import { isTenantId } from '../../domain/tenants/tenant-id';

// Role bindings decide which scope a person gets, so they are read before there is one.
const BINDINGS = Scope.platform('role bindings');

/**
 * How long a person's bindings read from Postgres are used again. Bindings change only when a
 * process syncs a new config file at start; another process still running (a rolling deploy)
 * sees the change within this time. One command checks access several times (each section of
 * `/incident status`): they share one read.
 */
export const BINDINGS_REUSE_MS = 1000;
const MAX_REMEMBERED = 10_000;

/** Role bindings, read platform-wide: they decide which scope a person gets. */
export class PgAccessStore implements AccessStore {
  private readonly recent = new Map<
    string,
    { until: number; read: Promise<readonly RoleBinding[]> }
  >();

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  async bindingsOf(user: string): Promise<RoleBinding[]> {
    const now = this.now();
    let entry = this.recent.get(user);
    if (!entry || entry.until <= now) {
      this.recent.delete(user);
      if (this.recent.size >= MAX_REMEMBERED) this.recent.clear();
      const read = this.read(user);
      const fresh = { until: now + BINDINGS_REUSE_MS, read };
      this.recent.set(user, fresh);
      entry = fresh;
      // A failed read is not reused.
      read.catch(() => this.recent.get(user) === fresh && this.recent.delete(user));
    }
    return (await entry.read).map((b) => ({ ...b }));
  }

  private async read(user: string): Promise<readonly RoleBinding[]> {
    const rows = await this.db.statement<{ tenant_id: string; role: RoleBinding['role'] }>(
      BINDINGS,
      'SELECT tenant_id, role FROM role_bindings WHERE user_id = $1 ORDER BY tenant_id, role',
      [user],
    );
    return rows.map((r) => ({ user, tenant: r.tenant_id, role: r.role }));
  }

  holdersOf(tenants: readonly string[], role: RoleBinding['role']): Promise<string[]> {
    // One read-only round trip (it may share it with other reads issued at the same time).
    return this.db
      .reader(BINDINGS)
      .query<{ user_id: string }>(
        `SELECT DISTINCT user_id FROM role_bindings WHERE role = $1 AND (tenant_id = ANY($2) OR tenant_id = '*')
         ORDER BY user_id`,
        [role, tenants],
      )
      .then(({ rows }) => rows.map((r) => r.user_id));
  }

  /** Makes the tenant registry and config-sourced bindings match the config file. */
  syncFromConfig(tenants: readonly Tenant[], bindings: readonly RoleBinding[]): Promise<void> {
    this.recent.clear();
    return this.db.scoped(Scope.platform('loading the config file'), async (c) => {
      for (const t of tenants) {
        await c.query(
          `INSERT INTO tenants (id, name, plan, comms_channel) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id) DO UPDATE SET name = $2, plan = $3, comms_channel = $4, updated_at = now()
           WHERE (tenants.name, tenants.plan, tenants.comms_channel) IS DISTINCT FROM ($2, $3, $4)`,
          [t.id, t.name, t.plan, t.commsChannel],
        );
      }
      await c.query(`DELETE FROM role_bindings WHERE source = 'config'`);
      for (const b of bindings) {
        await c.query(
          `INSERT INTO role_bindings (user_id, tenant_id, role, source) VALUES ($1, $2, $3, 'config')
           ON CONFLICT DO NOTHING`,
          [b.user, b.tenant, b.role],
        );
      }
    });
  }
}

export class PgAuditLog implements AuditLog {
  constructor(private readonly db: Database) {}

  async record(e: AuditEntry): Promise<void> {
    // Audit rows are insert-only for every scope; the scope only names whom the entry concerns.
    const tenants = e.tenantIds.filter(isTenantId);
    const scope = tenants.length ? Scope.of(tenants) : Scope.platform('audit of no tenant');
    // One round trip (BEGIN, settings, the insert, COMMIT), shared with other statements of the scope.
    await this.db.statement(
      scope,
      `INSERT INTO audit_log (at, actor, action, outcome, tenant_ids, incident_id, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.at, e.actor, e.action, e.outcome, e.tenantIds, e.incident ?? null, e.reason ?? null],
    );
  }
}
