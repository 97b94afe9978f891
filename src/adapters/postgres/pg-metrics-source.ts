import type { Database } from './database';
import { Scope } from '../../domain/tenants/scope';

/** Incident counts for /metrics, read platform-wide. */
export function incidentCounts(
  db: Database,
): Promise<{ tenant: string; severity: string; state: string; count: number }[]> {
  return db.scoped(Scope.platform('metrics: incidents by tenant'), async (c) => {
    const { rows } = await c.query<{
      tenant: string;
      severity: string;
      state: string;
      count: string;
    }>(
      `SELECT t AS tenant, severity, state, count(*) AS count FROM incidents, unnest(tenant_ids) AS t GROUP BY 1, 2, 3`,
    );
    return rows.map((r) => ({
      tenant: r.tenant,
      severity: r.severity,
      state: r.state,
      count: Number(r.count),
    }));
  });
}
