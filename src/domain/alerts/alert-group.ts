import { PLATFORM_SCOPE, type AlertSource, type AlertStatus } from './normalized-alert';

/** The live chat message kind of an alert group's thread. */
export const ALERT_GROUP_MESSAGE = 'alert-group';

/** How an alert's tenant label resolves against the tenant registry. */
export type TenantResolution =
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'unknown'; claimedTenant: string }
  | { kind: 'platform' };

export function resolveTenant(
  labelTenant: string | undefined,
  known: ReadonlySet<string>,
): TenantResolution {
  if (labelTenant === undefined) return { kind: 'platform' };
  if (known.has(labelTenant)) return { kind: 'tenant', tenantId: labelTenant };
  return { kind: 'unknown', claimedTenant: labelTenant };
}

/**
 * Alerts with the same key share one thread: the tenant's problem, a platform problem, or (`?`)
 * a problem of a tenant id nobody registered. None of the three prefixes can be a tenant id.
 */
export function alertGroupKey(tenant: TenantResolution, name: string): string {
  switch (tenant.kind) {
    case 'tenant':
      return `${tenant.tenantId}/${name}`;
    case 'unknown':
      return `?${tenant.claimedTenant}/${name}`;
    case 'platform':
      return `${PLATFORM_SCOPE}/${name}`;
  }
}

/** Groups are placed in chat one tenant at a time (so a second problem joins the first's incident). */
export function placeKeyOf(group: { tenantId?: string }): string {
  return group.tenantId ?? PLATFORM_SCOPE;
}

/**
 * Sources whose every delivery carries the start of the alert's firing cycle (Alertmanager's and
 * Grafana's `startsAt`). The others (PagerDuty, Datadog) send the time of each event: a follow-up
 * (acknowledge, re-trigger, recovery) keeps the start stored, and only a trigger after a
 * resolve begins a new cycle.
 */
export const CYCLE_START_SOURCES: readonly AlertSource[] = ['alertmanager', 'grafana'];

/** "2 firing", "1 acknowledged", "2 firing, 1 acknowledged": a group's unresolved alerts. */
export function activeCounts(g: { firing: number; acknowledged: number }): string {
  const parts = [
    ...(g.firing > 0 || g.acknowledged === 0 ? [`${g.firing} firing`] : []),
    ...(g.acknowledged > 0 ? [`${g.acknowledged} acknowledged`] : []),
  ];
  return parts.join(', ');
}

const STATUS_RANK: Record<AlertStatus, number> = { firing: 0, acknowledged: 1, resolved: 2 };

export function statusRank(status: AlertStatus): number {
  return STATUS_RANK[status];
}

export interface AlertStateStamp {
  status: AlertStatus;
  startsAt: Date;
}

/**
 * Whether `incoming` is newer than `current`: a later firing cycle, or the same cycle further
 * along (firing → acknowledged → resolved). Deliveries arrive out of order; older ones lose.
 */
export function isNewerState(
  incoming: AlertStateStamp,
  current: AlertStateStamp | undefined,
): boolean {
  if (current === undefined) return true;
  const a = incoming.startsAt.getTime();
  const b = current.startsAt.getTime();
  if (a !== b) return a > b;
  return statusRank(incoming.status) > statusRank(current.status);
}

/** Keeps the newest state of each alert of a batch, in first-seen order. */
export function newestPerAlert<T extends AlertStateStamp & { source: string; fingerprint: string }>(
  events: readonly T[],
): T[] {
  const byAlert = new Map<string, T>();
  for (const event of events) {
    const key = `${event.source}\u0000${event.fingerprint}`;
    const current = byAlert.get(key);
    if (current === undefined || isNewerState(event, current)) byAlert.set(key, event);
  }
  return [...byAlert.values()];
}
