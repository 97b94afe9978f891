import { randomUUID } from 'node:crypto';
import type { RoleBinding } from '../domain/access/access';
import type { DeliveryReceipt, OutboxItem } from '../ports/chat-outbox';
import type { SlaEvent, SlaIncident, SlaTx } from '../ports/sla-store';
import type { SlaDeps } from './sla-deps';
import { groupEvents, recipients, slaMessage } from './sla-messages';
import { Scope } from '../domain/tenants/scope';

/** Events leased for sending, with what their messages need. */
export interface Leased {
  incident: SlaIncident;
  events: SlaEvent[];
  holders: RoleBinding[];
  token: string;
  until: Date;
}

/** The delivery receipt kind of SLA messages (see slaReceipt). */
export const SLA_RECEIPT = 'sla-events';

// Posting what timers fired is system work for no person.
const POSTS = Scope.platform('SLA message delivery');

/**
 * Sends the incident's fired, unposted events, one message per group (same clock kind, step
 * and due time). The events are leased first, so with several workers each is sent by one.
 * Each message goes to the chat outbox with a receipt (`slaReceipt`): before it goes the lease
 * is checked, and as soon as Slack took it its events are marked posted, in the process that
 * sent it. A message whose job is lost (a wiped queue) leaves its lease to run out; the
 * reconciler then has the events sent again, and a stale message that still turns up finds its
 * lease gone and is withdrawn. Returns how many events were handed over.
 */
export async function postSlaEvents(deps: SlaDeps, incident: number): Promise<number> {
  const now = deps.clock.now();
  const leased = await deps.store.inScope(POSTS, async (tx) => {
    const inc = await tx.incident(incident);
    return inc ? leaseEvents(deps, tx, inc, now) : undefined;
  });
  return leased ? sendLeased(deps, leased) : 0;
}

/** Leases the incident's unposted events whose lease is free or expired (in the caller's transaction). */
export async function leaseEvents(
  deps: SlaDeps,
  tx: SlaTx,
  incident: SlaIncident,
  now: Date,
): Promise<Leased | undefined> {
  const token = randomUUID();
  const until = new Date(now.getTime() + deps.settings.leaseMs);
  const events = await tx.leaseUnposted(incident.number, token, until, now);
  if (events.length === 0) return undefined;
  const holders = await tx.roleHolders(incident.tenants, ['comms', 'commander']);
  return { incident, events, holders, token, until };
}

/**
 * `leaseEvents` for several incidents (locked by the caller) with one token, one lease
 * statement and one look at the role holders; one `Leased` per incident that has events.
 */
export async function leaseEventsOf(
  deps: SlaDeps,
  tx: SlaTx,
  incidents: readonly SlaIncident[],
  now: Date,
): Promise<Leased[]> {
  const token = randomUUID();
  const until = new Date(now.getTime() + deps.settings.leaseMs);
  const events = await tx.leaseUnpostedOf(
    incidents.map((i) => i.number),
    token,
    until,
    now,
  );
  if (events.length === 0) return [];
  const tenants = [...new Set(incidents.flatMap((i) => i.tenants))];
  const holders = await tx.roleHolders(tenants, ['comms', 'commander']);
  return incidents
    .map((incident) => ({
      incident,
      events: events.filter((e) => e.incident === incident.number),
      // The same bindings, in the same order, as roleHolders(incident.tenants) gives.
      holders: holders.filter((h) => h.tenant === '*' || incident.tenants.includes(h.tenant)),
      token,
      until,
    }))
    .filter((l) => l.events.length > 0);
}

/** Hands leased events to the outbox, one message per group; on failure gives them back. */
export async function sendLeased(deps: SlaDeps, leased: Leased): Promise<number> {
  const { sent, unsent } = await sendLeasedAll(deps, [leased]);
  if (unsent.length > 0) throw new Error(`incident ${leased.incident.number} has no channel`);
  return sent;
}

/**
 * Hands the leased events of several incidents to the outbox in one go (`sendAll`), one message
 * per group. If the hand-over fails, every lease is given back at once so the job's retry (or
 * another worker) sends them. Returns how many events were handed over, and the incidents
 * that have no channel to post to (their leases given back).
 */
export async function sendLeasedAll(
  deps: SlaDeps,
  all: readonly Leased[],
): Promise<{ sent: number; unsent: number[] }> {
  const items: OutboxItem[] = [];
  const ids: number[] = [];
  const unsent: number[] = [];
  for (const leased of all) {
    const { channelId, threadTs, number } = leased.incident;
    // An incident not in chat (yet): nothing to post to; the events stay for the reconciler.
    if (!channelId) {
      const mine = leased.events.map((e) => e.id);
      await giveBack(deps, mine, leased.token);
      unsent.push(number);
      continue;
    }
    for (const group of groupEvents(leased.events)) {
      const groupIds = group.events.map((e) => e.id);
      const to = recipients(leased.incident, group, leased.holders);
      items.push({
        msg: {
          channel: channelId,
          ...(threadTs ? { threadTs } : {}),
          text: slaMessage(leased.incident, group, to, deps.clock.now()),
        },
        receipt: {
          kind: SLA_RECEIPT,
          ref: receiptRef({ token: leased.token, ids: groupIds, until: leased.until.getTime() }),
        },
      });
      ids.push(...groupIds);
    }
  }
  try {
    if (deps.outbox.sendAll) await deps.outbox.sendAll(items);
    else for (const { msg, receipt } of items) await deps.outbox.send(msg, receipt);
  } catch (err) {
    for (const token of new Set(all.map((l) => l.token)))
      await giveBack(
        deps,
        all.filter((l) => l.token === token).flatMap((l) => l.events.map((e) => e.id)),
        token,
      );
    throw err;
  }
  return { sent: ids.length, unsent };
}

/** Gives a lease back at once, so the job's retry (or another worker) sends the events. */
async function giveBack(deps: SlaDeps, ids: number[], token: string): Promise<void> {
  await deps.store.inScope(POSTS, (tx) => tx.releaseLease(ids, token)).catch(() => undefined);
}

interface Receipt {
  token: string;
  ids: number[];
  /** When the lease taken for this message runs out (epoch ms). */
  until: number;
}

function receiptRef(r: Receipt): string {
  return `${r.token}/${r.ids.join(',')}/${r.until}`;
}

function parseRef(ref: string): Receipt {
  const [token = '', list = '', until = ''] = ref.split('/');
  const ids = list.split(',').map(Number);
  if (!token || !ids.every((n) => Number.isSafeInteger(n) && n > 0) || !/^\d+$/.test(until))
    throw new Error(`bad SLA receipt ref: ${ref}`);
  return { token, ids, until: Number(until) };
}

/** Margin kept before a lease's end: a first attempt inside it needs no look at the database. */
const LEASE_MARGIN_MS = 10_000;

/**
 * The SLA side of an SLA message's delivery: the lease is checked (and renewed) before it goes,
 * the events are marked posted once it went. A first attempt well inside the lease taken for
 * it needs no check: nobody else can hold those events yet, and nothing sent them before.
 */
export function slaReceipt(deps: SlaDeps): DeliveryReceipt {
  return {
    async claim(ref, attempt) {
      const { token, ids, until } = parseRef(ref);
      const now = deps.clock.now().getTime();
      if (attempt.first && now < until - LEASE_MARGIN_MS) return true;
      return deps.store.renewLease(ids, token, new Date(now + deps.settings.leaseMs));
    },
    async delivered(ref) {
      await deps.store.markPosted(parseRef(ref).ids, deps.clock.now());
    },
  };
}
