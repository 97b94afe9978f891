import { activeCounts, ALERT_GROUP_MESSAGE } from '../domain/alerts/alert-group';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import type { AlertGroup } from '../ports/alert-store';
import type { IncidentNotifier } from '../ports/incident-notifier';
import { ALERT_ACTOR, type AlertDeps } from './alert-deps';
import { openIncident } from './declare-incident';
import type { IncidentDeps } from './incident-deps';
import { Scope } from '../domain/tenants/scope';

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/**
 * Gives each new group of one tenant (or of the platform) its place in chat, one group at a time
 * so that a second problem of a tenant joins the incident the first one opened: an open incident
 * of the tenant takes it; a `declare` rule opens one; anything else gets a thread in the
 * incident channel. Idempotent: a retry finds the incident it opened and attaches to it.
 */
export async function placeAlertGroups(deps: AlertDeps, placeKey: string): Promise<number> {
  let placed = 0;
  for (const group of await deps.store.unplacedGroups(placeKey)) {
    if (await placeGroup(deps, group)) placed += 1;
  }
  return placed;
}

async function placeGroup(deps: AlertDeps, g: AlertGroup): Promise<boolean> {
  const found = g.tenantId === undefined ? undefined : await incidentFor(deps, g, g.tenantId);
  const incident = found?.incident.channelId ? found : undefined;
  const channelId = incident?.incident.channelId ?? deps.settings.incidentChannel;
  const place = {
    ...(channelId ? { channelId } : {}),
    ...(incident?.incident.threadTs ? { threadTs: incident.incident.threadTs } : {}),
    ...(incident ? { incidentId: incident.incident.number } : {}),
  };
  if (!(await deps.store.place(g.id, place))) return false;
  if (incident && g.tenantId !== undefined) {
    const verb = incident.declared ? 'opened' : 'attached to';
    await deps.incidents.store.inScope(Scope.of([g.tenantId]), (tx) =>
      tx.appendTimeline(incident.incident.number, {
        at: deps.clock.now(),
        actor: ALERT_ACTOR,
        kind: 'alert',
        text: `Alert ${g.name} (${activeCounts(g)}) ${verb} ${incidentRef(incident.incident.number)}`,
        tenants: [g.tenantId as string],
      }),
    );
  }
  if (!channelId) {
    deps.log.warn({ group: g.key }, 'no incidentChannel configured: alert group has no thread');
    return true;
  }
  await deps.outbox.publish(ALERT_GROUP_MESSAGE, [String(g.id)], channelId);
  return true;
}

async function incidentFor(
  deps: AlertDeps,
  g: AlertGroup,
  tenant: string,
): Promise<{ incident: Incident; declared: boolean } | undefined> {
  const [open] = await deps.incidents.store.inScope(Scope.of([tenant]), (tx) =>
    tx.listIncidents({ tenant, open: true, limit: 1 }),
  );
  if (open) return { incident: open, declared: false };
  if (g.action !== 'declare' || !g.severity) return undefined;
  const [first] = await deps.store.groupAlerts(g.id, 1);
  const summary = first && first.summary !== g.name ? `: ${first.summary}` : '';
  const declared = await openIncident(
    alertDeclareDeps(deps.incidents, g.security),
    { user: ALERT_ACTOR },
    {
      severity: g.severity as Incident['severity'],
      tenants: [tenant],
      title: `${g.name}${summary}`.slice(0, 150),
    },
  );
  if (!g.security) return { incident: declared, declared: true };
  const marked = await deps.incidents.store.inScope(Scope.of([tenant]), (tx) =>
    tx.updateIncident(declared.number, { security: true }),
  );
  deps.log.warn(
    { incident: incidentRef(marked.number), tenantId: tenant },
    'security incident declared from alert',
  );
  return { incident: marked, declared: true };
}

/**
 * The incident deps for a declare by alert rules: only Slack users are invited (the actor is
 * the alert source), and a security incident opens in a private channel from the start.
 */
function alertDeclareDeps(deps: IncidentDeps, security: boolean): IncidentDeps {
  const inner = deps.notifier;
  const notifier: IncidentNotifier = {
    opened: (incident, invite) =>
      inner.opened(
        { ...incident, security: incident.security || security },
        invite.filter((u) => SLACK_USER.test(u)),
      ),
    cardChanged: (incident) => inner.cardChanged(incident),
    post: (incident, text) => inner.post(incident, text),
    invite: (incident, users) => inner.invite(incident, users),
  };
  return { ...deps, notifier };
}
