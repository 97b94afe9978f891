// INCIDENTS_TO_REPAIR_SQL (pg-sla-repair.ts) over MemoryDb, each table read through its policy.
import type { Rls } from './memory-db';

const REPAIRED_KINDS: string[] = ['first_response', 'update', 'security_notify'];
const CUSTOMER_KINDS: string[] = ['first_response', 'update'];
const isActive = (state: string) => state === 'pending' || state === 'breached';

/**
 * Open incidents with a tenant added since `since` and no customer clock for it; resolved ones
 * with customer or security clocks still running; ones resolved since then with no post-mortem.
 */
export function incidentsToRepair(rls: Rls, since: Date): number[] {
  const incidents = rls.t.incidents.filter((i) => rls.allows(i.tenants));
  const byNumber = new Map(incidents.map((i) => [i.number, i]));
  const clocks = rls.visibleClocks();
  const ids = new Set<number>();
  for (const it of rls.t.incidentTenants.filter((r) => rls.allows([r.tenant]))) {
    const inc = byNumber.get(it.incident);
    if (!inc || inc.state === 'resolved' || it.addedAt < since) continue;
    const customer = clocks.some(
      (c) =>
        c.incident === it.incident && c.tenant === it.tenant && CUSTOMER_KINDS.includes(c.kind),
    );
    if (!customer) ids.add(it.incident);
  }
  for (const c of clocks) {
    const inc = byNumber.get(c.incident);
    if (inc?.state === 'resolved' && isActive(c.status) && REPAIRED_KINDS.includes(c.kind))
      ids.add(c.incident);
  }
  for (const i of incidents) {
    if (i.state !== 'resolved' || !i.resolvedAt || i.resolvedAt < since) continue;
    if (!clocks.some((c) => c.incident === i.number && c.kind === 'postmortem')) ids.add(i.number);
  }
  return [...ids].sort((a, b) => a - b);
}
