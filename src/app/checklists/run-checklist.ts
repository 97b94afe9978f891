import {
  CHECKLIST_ITEMS,
  CHECKLIST_TITLES,
  confirmItem,
  countStates,
  ITEM_TITLES,
  verdictOf,
  type Checklist,
  type ChecklistKind,
  type ItemId,
} from '../../domain/checklists/checklist';
import { DomainError } from '../../domain/errors';
import { Scope } from '../../domain/tenants/scope';
import type { ChatOutbox } from '../../ports/chat-outbox';
import type { ChecklistStore } from '../../ports/checklist-store';
import type { Actor, IncidentDeps } from '../incident-deps';
import { AccessDenied, authorize, recordDenials, scopeOf } from '../incident-guard';
import { checkItem, type CheckSources } from './checklist-items';

/** The kind of the live message that shows a checklist (rendered when it is sent). */
export const CHECKLIST_MESSAGE = 'tenant-checklist';

export interface ChecklistDeps {
  incidents: IncidentDeps;
  store: ChecklistStore;
  outbox: ChatOutbox;
  sources: CheckSources;
}

async function requireTenant(deps: ChecklistDeps, tenant: string): Promise<void> {
  const found = await deps.incidents.store.inScope(Scope.of([tenant]), (tx) =>
    tx.tenants([tenant]),
  );
  if (found.length === 0) throw new DomainError('unknown_tenant', `Unknown tenant \`${tenant}\`.`);
}

async function audit(deps: ChecklistDeps, actor: Actor, c: Checklist, reason: string) {
  await deps.incidents.audit.record({
    at: deps.incidents.clock.now(),
    actor: actor.user,
    action: `checklist_${c.kind}`,
    outcome: 'allowed',
    tenantIds: [c.tenant],
    reason: reason.slice(0, 1000),
  });
}

/**
 * `/tenant preflight|golive <tenant>`: needs a role on the tenant. Checks every item it can
 * (in parallel, each with its evidence; a check that cannot finish fails, never passes), asks
 * a person for the rest, stores the result and posts one message in the channel, edited in
 * place as approvers confirm items.
 */
export async function runChecklist(
  deps: ChecklistDeps,
  actor: Actor,
  kind: ChecklistKind,
  tenant: string,
): Promise<Checklist> {
  const guarded = await scopeOf(deps.incidents, actor.user);
  await recordDenials(deps.incidents, actor, () =>
    Promise.resolve(authorize(guarded, 'checklist_run', [tenant])),
  );
  await requireTenant(deps, tenant);
  const items = await Promise.all(
    CHECKLIST_ITEMS[kind].map((id) => checkItem(deps.sources, tenant, id)),
  );
  const c = await deps.store.create(Scope.of([tenant]), {
    tenant,
    kind,
    requestedBy: actor.user,
    items,
    verdict: verdictOf(items),
    place: { channel: actor.channel ?? null, threadTs: actor.threadTs ?? null },
  });
  const n = countStates(items);
  await audit(
    deps,
    actor,
    c,
    `${CHECKLIST_TITLES[kind]} #${c.id}: ${c.verdict} (${n.pass} pass, ${n.fail} fail, ${n.needs_confirmation} need confirmation)`,
  );
  if (c.place.channel)
    await deps.outbox.publish(CHECKLIST_MESSAGE, [String(c.id)], c.place.channel);
  return c;
}

/**
 * An approver confirms an item that needs a person (the checklist's button). Needs the approver
 * role on the checklist's tenant and is refused to the person who ran the checklist (separation
 * of duties); refusals are audited. The message is edited in place.
 */
export async function confirmChecklistItem(
  deps: ChecklistDeps,
  actor: Actor,
  id: number,
  item: ItemId,
): Promise<Checklist> {
  const guarded = await scopeOf(deps.incidents, actor.user);
  return recordDenials(deps.incidents, actor, async () => {
    const c = await deps.store.get(guarded.scope, id);
    if (!c)
      throw new AccessDenied(
        `Checklist #${id} doesn't exist or isn't on a tenant you have a role for.`,
        'checklist_confirm',
        [],
        "no such checklist in the actor's scope",
      );
    authorize(guarded, 'checklist_confirm', [c.tenant]);
    if (c.requestedBy === actor.user)
      throw new AccessDenied(
        `You ran this checklist: a second person with the approver role on ${c.tenant} confirms its items.`,
        'checklist_confirm',
        [c.tenant],
        'the requester may not confirm their own checklist',
      );
    const now = deps.incidents.clock.now();
    const changed = await deps.store.change(Scope.of([c.tenant]), id, (cur) =>
      confirmItem(cur, item, actor.user, now),
    );
    if (!changed) throw new DomainError('not_found', `Checklist #${id} is gone.`);
    await audit(
      deps,
      actor,
      changed,
      `${CHECKLIST_TITLES[changed.kind]} #${id}: "${ITEM_TITLES[item]}" confirmed; now ${changed.verdict}`,
    );
    await deps.outbox.refresh(CHECKLIST_MESSAGE, String(id));
    return changed;
  });
}

/** The tenant's last preflight and go-live (for `/tenant status`). */
export async function lastChecklists(
  deps: Pick<ChecklistDeps, 'store'>,
  tenant: string,
): Promise<Checklist[]> {
  const scope = Scope.of([tenant]);
  const found = await Promise.all(
    (['preflight', 'golive'] as const).map((k) => deps.store.latest(scope, tenant, k)),
  );
  return found.filter((c): c is Checklist => c !== undefined);
}
