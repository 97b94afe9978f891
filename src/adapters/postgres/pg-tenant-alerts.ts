import type { LoadAlert } from '../../domain/target/tenant-load';
import { Scope } from '../../domain/tenants/scope';
import type { TenantAlertHistory } from '../../ports/tenant-load';
import type { Database } from './database';

interface Row {
  name: string;
  status: LoadAlert['status'];
  severity_hint: string | null;
  summary: string;
  starts_at: Date;
  ends_at: Date | null;
}

/** A tenant's alerts from tenantops' alert tables, read in that tenant's scope only. */
export class PgTenantAlerts implements TenantAlertHistory {
  constructor(private readonly db: Database) {}

  async recentAlerts(tenant: string, since: Date, limit = 20): Promise<LoadAlert[]> {
    const rows = await this.db.scoped(Scope.of([tenant]), async (c) => {
      const r = await c.query<Row>(
        `SELECT name, status, severity_hint, summary, starts_at, ends_at FROM alerts
         WHERE tenant_id = $1 AND (status <> 'resolved' OR coalesce(ends_at, state_at) >= $2)
         ORDER BY status = 'resolved', starts_at DESC, id DESC LIMIT $3`,
        [tenant, since, limit],
      );
      return r.rows;
    });
    return rows.map((r) => ({
      name: r.name,
      status: r.status,
      severityHint: r.severity_hint,
      summary: r.summary,
      startsAt: r.starts_at,
      endsAt: r.ends_at,
    }));
  }
}
