import type { RecordBreach, RecordClock, RecordTimelineEntry } from './postmortem-record';

/** A breach in the SLA record: the clock, when it was due, when it fired, when it was answered. */
export interface SlaBreachLine {
  clock: 'first response' | 'customer update' | 'security notification' | 'restore (RTO)';
  dueAt: Date;
  firedAt: Date;
  /** The update (or notification) that answered it; null if none came before the clock stopped. */
  answeredAt: Date | null;
}

/** One tenant's customer-communication record for the draft. */
export interface TenantSlaRecord {
  tenant: string;
  name: string;
  /** Absent when the tenant had no SLA policy for the severity. */
  firstResponse?: { targetMs: number; dueAt: Date; actualAt: Date | null; met: boolean };
  updates: { onTime: number; late: number; total: number };
  breaches: SlaBreachLine[];
  security?: { dueAt: Date; recordedAt: Date | null; onTime: boolean | null };
  /** Customer messages approved and sent (from the comms channel). */
  sent: { kind: string; at: Date; by: string | null }[];
}

const BREACH_LABEL: Record<RecordBreach['kind'], SlaBreachLine['clock'] | undefined> = {
  first_response: 'first response',
  update: 'customer update',
  security_notify: 'security notification',
  restore_rto: 'restore (RTO)',
  postmortem: undefined,
};

/** The tenant's updates, oldest first: unscoped updates count for every tenant. */
export function updatesOf(timeline: readonly RecordTimelineEntry[], tenant: string): Date[] {
  return timeline.filter((e) => e.kind === 'update' && e.tenants.includes(tenant)).map((e) => e.at);
}

function firstAfter(times: readonly Date[], after: Date): Date | null {
  return times.find((t) => t.getTime() > after.getTime()) ?? null;
}

/**
 * The tenant's SLA record: first response target vs actual, updates on time vs late (a late
 * update is the first one after a breach), every breach with its due, fired and answered times,
 * and the security notification due vs recorded.
 */
export function tenantSlaRecord(input: {
  tenant: string;
  name: string;
  clocks: readonly RecordClock[];
  breaches: readonly RecordBreach[];
  updates: readonly Date[];
  notifiedAt: Date | null;
  sent: TenantSlaRecord['sent'];
}): TenantSlaRecord {
  const mine = input.clocks.filter((c) => c.tenant === input.tenant);
  const first = mine.find((c) => c.kind === 'first_response');
  const security = mine.find((c) => c.kind === 'security_notify');
  const breaches: SlaBreachLine[] = [];
  const late = new Set<number>();
  for (const b of input.breaches.filter((x) => x.tenant === input.tenant)) {
    const clock = BREACH_LABEL[b.kind];
    if (!clock) continue;
    const answeredAt =
      b.kind === 'security_notify' ? input.notifiedAt : firstAfter(input.updates, b.dueAt);
    if (answeredAt && b.kind !== 'security_notify') late.add(answeredAt.getTime());
    breaches.push({ clock, dueAt: b.dueAt, firedAt: b.firedAt, answeredAt });
  }
  breaches.sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  const record: TenantSlaRecord = {
    tenant: input.tenant,
    name: input.name,
    updates: {
      total: input.updates.length,
      late: late.size,
      onTime: input.updates.length - late.size,
    },
    breaches,
    sent: input.sent,
  };
  if (first) {
    const actualAt = first.metAt ?? input.updates[0] ?? null;
    record.firstResponse = {
      targetMs: first.dueAt.getTime() - first.startedAt.getTime(),
      dueAt: first.dueAt,
      actualAt,
      met: actualAt !== null && actualAt.getTime() <= first.dueAt.getTime(),
    };
  }
  if (security) {
    const recordedAt = security.metAt;
    record.security = {
      dueAt: security.dueAt,
      recordedAt,
      onTime: recordedAt ? recordedAt.getTime() <= security.dueAt.getTime() : null,
    };
  }
  return record;
}
