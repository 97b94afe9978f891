import { DomainError } from '../../domain/errors';
import type { Incident } from '../../domain/incidents/incident';
import { Scope } from '../../domain/tenants/scope';
import { declareIncident } from '../declare-incident';
import { changeSeverity } from '../incident-actions';
import { findTarget } from '../incident-guard';
import { markSecurityIncident } from '../sla-security';
import type { SlaDeps } from '../sla-deps';
import type { SecurityIncidents } from './incident-ops';

/**
 * Security incidents through the incident and SLA use cases, as the run's requester: their roles
 * are checked (declaring needs a role on the tenant, marking security needs commander).
 */
export function makeSecurityIncidents(sla: SlaDeps): SecurityIncidents {
  return {
    async openOrJoin(actor, tenant, { ref, title }) {
      const d = sla.incidents;
      const scope = Scope.of([tenant]);
      let incident: Incident | undefined = ref
        ? await d.store.inScope(scope, (tx) => findTarget(tx, ref))
        : (
            await d.store.inScope(scope, (tx) =>
              tx.listIncidents({ tenant, open: true, limit: 50 }),
            )
          ).find((i) => i.security || i.title === title);
      if (incident && incident.state === 'resolved')
        throw new DomainError(
          'incident_resolved',
          `INC-${incident.number} is resolved: run without incident= to open a new security incident.`,
        );
      const actions: string[] = [];
      const opened = !incident;
      if (!incident) {
        incident = await declareIncident(d, actor, { severity: 'P1', tenants: [tenant], title });
        actions.push(`declared INC-${incident.number} as P1`);
      } else actions.push(`joined INC-${incident.number}`);
      if (incident.severity !== 'P1') {
        const from = incident.severity;
        incident = await changeSeverity(d, actor, incident.number, 'P1');
        actions.push(`raised from ${from} to P1`);
      }
      let notifyDueAt: Date | null = null;
      if (!incident.security) {
        const marked = await markSecurityIncident(sla, actor, { ref: incident.number });
        incident = marked.incident;
        notifyDueAt = marked.dueAt;
        actions.push(
          `marked as a security incident: customers to be notified by ${marked.dueAt.toISOString()}`,
        );
      } else actions.push('already a security incident (its notification clock runs)');
      return {
        number: incident.number,
        opened,
        actions,
        channel: incident.channelId,
        threadTs: incident.threadTs,
        declaredAt: incident.declaredAt,
        notifyDueAt,
      };
    },
  };
}
