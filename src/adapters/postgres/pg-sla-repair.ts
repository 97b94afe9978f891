/**
 * Incidents whose clocks a failed listener may have left missing or outdated ($1 = since):
 * open incidents with a tenant added since then and no customer clock; resolved incidents
 * whose customer/security clocks still run; incidents resolved since then without a
 * post-mortem clock. The window keeps old incidents (from before the clocks existed) out.
 */
export const INCIDENTS_TO_REPAIR_SQL = `
  SELECT it.incident_id AS id
    FROM incident_tenants it JOIN incidents i ON i.id = it.incident_id
   WHERE i.state <> 'resolved' AND it.added_at >= $1
     AND NOT EXISTS (
       SELECT 1 FROM sla_clocks c
        WHERE c.incident_id = it.incident_id AND c.tenant_id = it.tenant_id
          AND c.kind IN ('first_response', 'update'))
  UNION
  SELECT c.incident_id AS id
    FROM sla_clocks c JOIN incidents i ON i.id = c.incident_id
   WHERE i.state = 'resolved' AND c.state IN ('pending', 'breached')
     AND c.kind IN ('first_response', 'update', 'security_notify')
  UNION
  SELECT i.id
    FROM incidents i
   WHERE i.state = 'resolved' AND i.resolved_at >= $1
     AND NOT EXISTS (SELECT 1 FROM sla_clocks c WHERE c.incident_id = i.id AND c.kind = 'postmortem')
  ORDER BY id`;
