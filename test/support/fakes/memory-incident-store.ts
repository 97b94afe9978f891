// IncidentStore over MemoryDb, statement by statement as pg-incident-store.ts runs them.
import type { Incident, TimelineEntry, TimelineKind } from '../../../src/domain/incidents/incident';
import { Scope } from '../../../src/domain/tenants/scope';
import type {
  ChatPlace,
  IncidentChanges,
  IncidentStore,
  IncidentTx,
  NewIncident,
  NewTimelineEntry,
  Tenant,
} from '../../../src/ports/incident-store';
import type { SlaIncident } from '../../../src/ports/sla-store';
import { clone, rlsViolation, type MemoryDb, type Rls } from './memory-db';

/** The incident as `toIncident` maps a row (without the SLA columns). */
export function toIncident(row: SlaIncident): Incident {
  const { securityAwareAt: _aware, ...incident } = clone(row);
  return incident;
}

/** `INSERT INTO timeline … SELECT … FROM incidents WHERE id = $1` (insertTimeline). */
export function insertTimeline(rls: Rls, number: number, entry: NewTimelineEntry): void {
  // The SELECT sees the incident only through its read policy: else nothing is inserted.
  const incident = rls.seesIncident(number);
  if (!incident) return;
  const tenants = entry.tenants ?? incident.tenants;
  if (tenants.length === 0)
    throw new Error('new row for relation "timeline" violates check constraint');
  if (!rls.covers(tenants)) throw rlsViolation('timeline');
  rls.t.timeline.push({
    id: rls.next('timeline'),
    incident: number,
    tenants: [...tenants],
    at: new Date(entry.at),
    actor: entry.actor,
    kind: entry.kind,
    text: entry.text,
    data: clone(entry.data ?? {}),
  });
  rls.wrote({ table: 'timeline', op: 'insert', tenants, incident: number, what: entry.kind });
}

/** `UPDATE incidents SET … WHERE id = $1 RETURNING *`: USING to find it, WITH CHECK on the result. */
export function updateIncidentRow(
  rls: Rls,
  number: number,
  what: string,
  apply: (row: SlaIncident) => void,
): SlaIncident | undefined {
  const row = rls.seesIncident(number);
  if (!row) return undefined;
  const changed = clone(row);
  apply(changed);
  if (!rls.covers(changed.tenants)) throw rlsViolation('incidents');
  Object.assign(row, changed);
  rls.wrote({ table: 'incidents', op: 'update', tenants: row.tenants, incident: number, what });
  return clone(row);
}

const STATES = ['declared', 'acknowledged', 'mitigated', 'resolved'];
const SEVERITIES = ['P1', 'P2', 'P3', 'P4'];

class MemoryIncidentTx implements IncidentTx {
  constructor(private readonly rls: Rls) {}

  tenants(ids?: readonly string[]): Promise<Tenant[]> {
    const rows = this.rls.t.tenants
      .filter((t) => this.rls.allows([t.id]) && (!ids || ids.includes(t.id)))
      .sort((a, b) => a.id.localeCompare(b.id));
    return Promise.resolve(clone(rows));
  }

  createIncident(input: NewIncident): Promise<Incident> {
    const { rls } = this;
    if (input.tenants.length === 0 || !SEVERITIES.includes(input.severity))
      throw new Error('new row for relation "incidents" violates check constraint');
    if (!rls.covers(input.tenants)) throw rlsViolation('incidents');
    const row: SlaIncident = {
      number: rls.next('incident'),
      title: input.title,
      severity: input.severity,
      state: 'declared',
      tenants: [...input.tenants],
      security: false,
      channelId: null,
      threadTs: null,
      cardTs: null,
      declaredBy: input.declaredBy,
      declaredAt: new Date(input.declaredAt),
      acknowledgedAt: null,
      mitigatedAt: null,
      resolvedAt: null,
      summary: null,
      roles: {},
      securityAwareAt: null,
    };
    rls.t.incidents.push(row);
    rls.wrote({
      table: 'incidents',
      op: 'insert',
      tenants: row.tenants,
      incident: row.number,
      what: 'declared',
    });
    for (const tenant of input.tenants)
      this.insertIncidentTenant(row.number, tenant, input.declaredBy, input.declaredAt);
    return Promise.resolve(toIncident(row));
  }

  findIncident(number: number): Promise<Incident | undefined> {
    const row = this.rls.seesIncident(number);
    return Promise.resolve(row ? toIncident(row) : undefined);
  }

  updateIncident(number: number, changes: IncidentChanges): Promise<Incident> {
    if (changes.state !== undefined && !STATES.includes(changes.state))
      throw new Error('new row for relation "incidents" violates check constraint');
    const row = updateIncidentRow(this.rls, number, Object.keys(changes).join(','), (r) => {
      const { role, ...columns } = changes;
      for (const [key, value] of Object.entries(columns))
        if (value !== undefined) Object.assign(r, { [key]: clone(value) });
      if (role) r.roles[role.role] = role.user;
    });
    if (!row) throw new Error(`incident ${number} not visible for update`);
    return Promise.resolve(toIncident(row));
  }

  addIncidentTenant(number: number, tenant: string, by: string, at: Date): Promise<Incident> {
    this.insertIncidentTenant(number, tenant, by, at);
    const current = this.rls.seesIncident(number);
    if (current && !current.tenants.includes(tenant)) {
      const row = updateIncidentRow(this.rls, number, `tenant ${tenant}`, (r) => {
        r.tenants = [...r.tenants, tenant];
      });
      if (row) return Promise.resolve(toIncident(row));
    }
    if (!current) throw new Error(`incident ${number} not visible`);
    return Promise.resolve(toIncident(current));
  }

  appendTimeline(number: number, entry: NewTimelineEntry): Promise<void> {
    insertTimeline(this.rls, number, entry);
    return Promise.resolve();
  }

  timeline(number: number): Promise<TimelineEntry[]> {
    const rows = this.visibleTimeline(number)
      .sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id)
      .map((r) => ({ at: r.at, actor: r.actor, kind: r.kind, text: r.text, tenants: r.tenants }));
    return Promise.resolve(clone(rows));
  }

  timelineHas(number: number, kind: TimelineKind, data: Record<string, string>): Promise<boolean> {
    // `data @> $3::jsonb` for a flat object of strings: every key present with that value.
    const found = this.visibleTimeline(number).some(
      (r) => r.kind === kind && Object.entries(data).every(([k, v]) => r.data[k] === v),
    );
    return Promise.resolve(found);
  }

  listIncidents(filter: { tenant?: string; open?: boolean; limit?: number }): Promise<Incident[]> {
    const rows = this.rls.t.incidents
      .filter((i) => this.rls.allows(i.tenants))
      .filter((i) => filter.tenant === undefined || i.tenants.includes(filter.tenant))
      .filter((i) => !filter.open || i.state !== 'resolved')
      .sort((a, b) => b.number - a.number)
      .slice(0, filter.limit ?? 20);
    return Promise.resolve(rows.map(toIncident));
  }

  private visibleTimeline(number: number) {
    return this.rls.t.timeline.filter((r) => r.incident === number && this.rls.allows(r.tenants));
  }

  /** `INSERT INTO incident_tenants … ON CONFLICT DO NOTHING`; foreign keys ignore row security. */
  private insertIncidentTenant(number: number, tenant: string, by: string, at: Date): void {
    const { rls } = this;
    if (
      !rls.t.tenants.some((t) => t.id === tenant) ||
      !rls.t.incidents.some((i) => i.number === number)
    )
      throw new Error('insert on table "incident_tenants" violates foreign key constraint');
    if (!rls.allows([tenant])) throw rlsViolation('incident_tenants');
    if (rls.t.incidentTenants.some((r) => r.incident === number && r.tenant === tenant)) return;
    rls.t.incidentTenants.push({ incident: number, tenant, addedAt: new Date(at), addedBy: by });
    rls.wrote({
      table: 'incident_tenants',
      op: 'insert',
      tenants: [tenant],
      incident: number,
      what: tenant,
    });
  }
}

const ROUTING = Scope.platform('which incident a Slack channel or thread belongs to');

/** IncidentStore in memory, with the Postgres store's row-level security and routing. */
export class MemoryIncidentStore implements IncidentStore {
  constructor(private readonly db: MemoryDb) {}

  inScope<T>(scope: Scope, fn: (tx: IncidentTx) => Promise<T>): Promise<T> {
    return this.db.transaction(scope, (rls) => fn(new MemoryIncidentTx(rls)));
  }

  readInScope<T>(scope: Scope, fn: (tx: IncidentTx) => Promise<T>): Promise<T> {
    return this.inScope(scope, fn);
  }

  incidentAt(place: ChatPlace): Promise<number | 'ambiguous' | undefined> {
    return this.db.transaction(ROUTING, (rls) => {
      const root = place.threadTs ?? place.messageTs ?? null;
      // Own channel (thread_ts IS NULL) or the thread; `thread_ts = NULL` matches nothing.
      const exact = rls.t.incidents
        .filter(
          (i) =>
            i.channelId === place.channel &&
            (i.threadTs === null || (root !== null && i.threadTs === root)),
        )
        .sort(
          (a, b) =>
            Number(a.threadTs === null) - Number(b.threadTs === null) || b.number - a.number,
        )[0];
      if (exact || place.messageTs !== undefined) return Promise.resolve(exact?.number);
      const open = rls.t.incidents
        .filter(
          (i) => i.channelId === place.channel && i.threadTs !== null && i.state !== 'resolved',
        )
        .sort((a, b) => b.number - a.number);
      return Promise.resolve(open.length > 1 ? ('ambiguous' as const) : open[0]?.number);
    });
  }
}
