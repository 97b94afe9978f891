import { Scope } from '../../domain/tenants/scope';
import type { AuditTrail, AuditTrailRow } from '../../ports/audit-trail';
import type { Database } from './database';

interface Row {
  at: Date;
  actor: string;
  action: string;
  outcome: AuditTrailRow['outcome'];
  tenant_ids: string[];
  incident_id: string | null;
  reason: string | null;
}

/** The audit log read in the tenant's scope: row-level security keeps other tenants' rows out. */
export class PgAuditTrail implements AuditTrail {
  constructor(private readonly db: Database) {}

  async rowsOf(
    tenant: string,
    window: { from: Date; to: Date },
    limit: number,
  ): Promise<AuditTrailRow[]> {
    const rows = await this.db.scoped(Scope.of([tenant]), async (c) => {
      const r = await c.query<Row>(
        `SELECT at, actor, action, outcome, tenant_ids, incident_id, reason FROM audit_log
         WHERE $1 = ANY(tenant_ids) AND at >= $2 AND at <= $3
         ORDER BY at, id LIMIT $4`,
        [tenant, window.from, window.to, limit],
      );
      return r.rows;
    });
    return rows.map((r) => ({
      at: r.at,
      actor: r.actor,
      action: r.action,
      outcome: r.outcome,
      tenantIds: r.tenant_ids,
      incident: r.incident_id === null ? null : Number(r.incident_id),
      reason: r.reason,
    }));
  }
}
