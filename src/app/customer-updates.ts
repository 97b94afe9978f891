import { DomainError } from '../domain/errors';
import { incidentRef, type Incident, type IncidentState } from '../domain/incidents/incident';
import { maskPersonalData } from '../domain/masking';
import { tenantRedactor } from '../domain/postmortems/tenant-redaction';
import { resolvePolicy, type SlaPolicies } from '../domain/sla/clock-plan';
import type { Clock } from '../ports/clock';
import type {
  CommsTenant,
  CustomerComms,
  CustomerMessage,
  CustomerMessageStore,
} from '../ports/customer-comms';
import type { Actor, IncidentDeps, IncidentListener, PostedUpdate } from './incident-deps';
import { authorize, recordDenials, scopeOf } from './incident-guard';
import { Scope } from '../domain/tenants/scope';
import type { SlaLog } from './sla-deps';

/** What customer drafts need. */
export interface CustomerDeps {
  incidents: IncidentDeps;
  messages: CustomerMessageStore;
  comms: CustomerComms;
  clock: Clock;
  policies: SlaPolicies;
  tenantNames: ReadonlyMap<string, string>;
  log: SlaLog;
}

const STATUS: Record<IncidentState, string> = {
  declared: 'Investigating',
  acknowledged: 'Investigating',
  mitigated: 'Mitigated, monitoring',
  resolved: 'Resolved',
};

/** Customer-facing for a tenant: it has a comms channel and an SLA policy for the severity. */
function customerFacing(deps: CustomerDeps, incident: Incident, t: CommsTenant): boolean {
  return (
    t.commsChannel !== null && resolvePolicy(deps.policies, t.plan, incident.severity) !== undefined
  );
}

function othersRemoved(deps: CustomerDeps, incident: Incident, tenant: string) {
  const others = incident.tenants.filter((t) => t !== tenant);
  return tenantRedactor(others.map((id) => ({ id, name: deps.tenantNames.get(id) })));
}

/**
 * After `/incident update`: for each tenant the update applies to that is customer facing, a
 * customer message from the template (status, the update as impact, the next update time from
 * its SLA clock, no other tenant named) goes to its comms channel as a draft with Approve / Edit.
 * On a security incident each such tenant also gets one security-notice draft (the 72 h notice).
 */
export async function draftCustomerUpdates(
  deps: CustomerDeps,
  incident: Incident,
  update: PostedUpdate,
): Promise<CustomerMessage[]> {
  // The update's own tenants (those the actor was allowed to update), and no other.
  const scope = Scope.of(update.tenants);
  const now = deps.clock.now();
  const posted: CustomerMessage[] = [];
  const tenants = await deps.messages.inScope(scope, (tx) =>
    tx.tenants(incident.number, update.tenants),
  );
  for (const t of tenants.filter((x) => customerFacing(deps, incident, x))) {
    const clean = (s: string) => othersRemoved(deps, incident, t.id)(maskPersonalData(s));
    const texts: { kind: CustomerMessage['kind']; text: string }[] = [
      {
        kind: 'update',
        text: deps.comms.updateText({
          ref: incidentRef(incident.number),
          tenantName: t.name,
          status: STATUS[incident.state],
          impact: clean(update.text),
          nextUpdateAt: incident.state === 'resolved' ? null : t.nextDueAt,
        }),
      },
    ];
    if (incident.security)
      texts.push({
        kind: 'security_notice',
        text: deps.comms.securityNoticeText({
          ref: incidentRef(incident.number),
          tenantName: t.name,
          whatHappened: clean(incident.title),
          awareAt:
            (incident as Incident & { securityAwareAt?: Date | null }).securityAwareAt ?? now,
          beingDone: clean(update.text),
          contact: incident.roles.comms ?? null,
        }),
      });
    for (const { kind, text } of texts) {
      const message = await store(deps, scope, incident, t, kind, text, update.actor);
      if (message) posted.push(message);
    }
  }
  return posted;
}

async function store(
  deps: CustomerDeps,
  scope: Scope,
  incident: Incident,
  t: CommsTenant,
  kind: CustomerMessage['kind'],
  text: string,
  by: string,
): Promise<CustomerMessage | undefined> {
  const channel = t.commsChannel as string;
  const id = await deps.messages.inScope(scope, (tx) =>
    tx.insert({
      incident: incident.number,
      tenant: t.id,
      kind,
      text,
      channel,
      createdBy: by,
      createdAt: deps.clock.now(),
    }),
  );
  if (id === undefined) return undefined;
  const message: CustomerMessage = {
    id,
    incident: incident.number,
    tenant: t.id,
    kind,
    status: 'draft',
    text,
    channel,
    ts: null,
    createdBy: by,
    editedBy: null,
    sentAt: null,
    sentBy: null,
  };
  const ts = await deps.comms.post(message, t.name);
  await deps.messages.inScope(scope, (tx) => tx.setTs(id, ts));
  return { ...message, ts };
}

/** The customer-drafts side of the incident use cases; a failure is logged, never the actor's error. */
export function customerListener(deps: CustomerDeps): IncidentListener {
  return {
    updated: async (incident, update) => {
      try {
        await draftCustomerUpdates(deps, incident, update);
      } catch (err) {
        deps.log.error({ err, incident: incident.number }, 'customer update drafts not posted');
      }
    },
  };
}

/** Finds a draft in the actor's scope and checks comms (or commander) on its tenant. */
async function guardedMessage(
  deps: CustomerDeps,
  actor: Actor,
  id: number,
  work: (
    m: CustomerMessage,
    tx: Parameters<Parameters<CustomerMessageStore['inScope']>[1]>[0],
  ) => Promise<void>,
): Promise<CustomerMessage> {
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new DomainError('message_not_found', 'That is not a customer message of tenantops.');
  const guarded = await scopeOf(deps.incidents, actor.user);
  return recordDenials(deps.incidents, actor, () =>
    deps.messages.inScope(guarded.scope, async (tx) => {
      const m = await tx.find(id, { forUpdate: true });
      if (!m)
        throw new DomainError(
          'message_not_found',
          'That customer message no longer exists or is not on your tenants.',
        );
      authorize(guarded, 'approve_update', [m.tenant], m.incident);
      if (m.status === 'sent')
        throw new DomainError(
          'already_sent',
          `This ${m.tenant} message was already approved and sent${m.sentBy ? ` by @${m.sentBy}` : ''}${m.sentAt ? ` at ${m.sentAt.toISOString()}` : ''}.`,
        );
      await work(m, tx);
      return (await tx.find(id)) as CustomerMessage;
    }),
  );
}

/** Approve: the draft is recorded as sent (when, by whom) and shown so in the comms channel. */
export async function approveCustomerMessage(
  deps: CustomerDeps,
  actor: Actor,
  id: number,
): Promise<CustomerMessage> {
  const now = deps.clock.now();
  const sent = await guardedMessage(deps, actor, id, async (m, tx) => {
    await tx.markSent(id, actor.user, now);
    const what = m.kind === 'security_notice' ? 'Security notice' : 'Customer update';
    await tx.appendTimeline(m.incident, {
      at: now,
      actor: actor.user,
      kind: 'note',
      tenants: [m.tenant],
      text: `${what} for ${m.tenant} approved and sent by @${actor.user}`,
      data: { customerMessage: m.id, kind: m.kind },
    });
  });
  await deps.comms.refresh(sent, deps.tenantNames.get(sent.tenant) ?? sent.tenant);
  return sent;
}

/** Edit: the draft's text replaced (masked); it still waits for approval. */
export async function editCustomerMessage(
  deps: CustomerDeps,
  actor: Actor,
  id: number,
  text: string,
): Promise<CustomerMessage> {
  const clean = maskPersonalData(text.trim());
  if (!clean) throw new DomainError('missing_text', 'The message is empty.');
  const edited = await guardedMessage(deps, actor, id, (_m, tx) =>
    tx.edit(id, clean, actor.user, deps.clock.now()),
  );
  await deps.comms.refresh(edited, deps.tenantNames.get(edited.tenant) ?? edited.tenant);
  return edited;
}

/** The draft to edit (for the form), with the same checks as editing it. */
export async function customerMessageForEdit(
  deps: CustomerDeps,
  actor: Actor,
  id: number,
): Promise<CustomerMessage> {
  return guardedMessage(deps, actor, id, () => Promise.resolve());
}
