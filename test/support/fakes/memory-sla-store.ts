// SlaStore over MemoryDb, statement by statement as pg-sla-store.ts runs them.
import type { RoleBinding } from '../../../src/domain/access/access';
import type { SlaClock } from '../../../src/domain/sla/sla-clock';
import { Scope } from '../../../src/domain/tenants/scope';
import type { NewTimelineEntry } from '../../../src/ports/incident-store';
import type {
  ClockChanges,
  DueIncidents,
  FiringChanges,
  IncidentEntry,
  NewClock,
  NewSlaEvent,
  SlaEvent,
  SlaIncident,
  SlaStore,
  SlaTx,
} from '../../../src/ports/sla-store';
import { insertTimeline, updateIncidentRow } from './memory-incident-store';
import { incidentsToRepair } from './memory-sla-repair';
import {
  clone,
  rlsViolation,
  TENANT_ID,
  type EventRow,
  type MemoryDb,
  type Rls,
} from './memory-db';

const isActive = (state: string) => state === 'pending' || state === 'breached';
/** The clock's next instant, as migration 012's trigger keeps `next_at`. */
function nextAt(c: SlaClock): number | undefined {
  if (c.status === 'pending') {
    const warn = c.warnTimes[c.warningsSent];
    return warn && warn < c.dueAt ? warn.getTime() : c.dueAt.getTime();
  }
  if (c.status === 'breached' && c.repeatEveryMs)
    return c.dueAt.getTime() + (c.lastReminderN + 1) * c.repeatEveryMs;
  return undefined;
}

const toEvent = ({ leaseToken: _t, leaseUntil: _u, postedAt: _p, ...e }: EventRow): SlaEvent =>
  clone(e);

class MemorySlaTx implements SlaTx {
  constructor(private readonly rls: Rls) {}

  incident(number: number): Promise<SlaIncident | undefined> {
    return Promise.resolve(clone(this.rls.seesIncident(number)));
  }

  tenantsAddedAt(number: number): Promise<Map<string, Date>> {
    const rows = this.rls.t.incidentTenants.filter(
      (r) => r.incident === number && this.rls.allows([r.tenant]),
    );
    return Promise.resolve(new Map(rows.map((r) => [r.tenant, new Date(r.addedAt)])));
  }

  tenantPlans(tenants: readonly string[]): Promise<Map<string, string>> {
    const rows = this.rls.t.tenants.filter(
      (t) => tenants.includes(t.id) && this.rls.allows([t.id]),
    );
    return Promise.resolve(new Map(rows.map((t) => [t.id, t.plan])));
  }

  roleHolders(
    tenants: readonly string[],
    roles: readonly RoleBinding['role'][],
  ): Promise<RoleBinding[]> {
    // role_bindings_scope: the binding's tenant in scope, or a platform scope ('*' rows too).
    const rows = this.rls.t.roleBindings
      .filter((b) => this.rls.allows([b.tenant]))
      .filter((b) => roles.includes(b.role) && (tenants.includes(b.tenant) || b.tenant === '*'))
      .sort((a, b) => a.user.localeCompare(b.user) || a.tenant.localeCompare(b.tenant));
    return Promise.resolve(clone(rows));
  }

  lastUpdates(number: number): Promise<Map<string, Date>> {
    const last = new Map<string, Date>();
    for (const r of this.rls.t.timeline) {
      if (r.incident !== number || r.kind !== 'update' || !this.rls.allows(r.tenants)) continue;
      for (const t of r.tenants) {
        const seen = last.get(t);
        if (!seen || seen < r.at) last.set(t, new Date(r.at));
      }
    }
    return Promise.resolve(last);
  }

  clocksOf(number: number, opts: { activeOnly?: boolean } = {}): Promise<SlaClock[]> {
    const rows = this.rls
      .visibleClocks()
      .filter((c) => c.incident === number && (!opts.activeOnly || isActive(c.status)))
      .sort((a, b) => a.id - b.id);
    return Promise.resolve(clone(rows));
  }

  startClock(c: NewClock): Promise<SlaClock> {
    const { rls } = this;
    if (c.tenant !== '*' && !TENANT_ID.test(c.tenant))
      throw new Error('new row for relation "sla_clocks" violates check constraint');
    if (!rls.t.incidents.some((i) => i.number === c.incident))
      throw new Error('insert on table "sla_clocks" violates foreign key constraint');
    // INSERT … ON CONFLICT DO UPDATE: the new row and the conflicting one pass the same policy.
    if (!rls.seesClockOf(c.tenant, c.incident)) throw rlsViolation('sla_clocks');
    const fresh = {
      status: 'pending' as const,
      startedAt: new Date(c.startedAt),
      dueAt: new Date(c.dueAt),
      warnTimes: c.warnTimes.map((d) => new Date(d)),
      warningsSent: c.warningsSent,
      repeatEveryMs: c.repeatEveryMs,
      warnedAt: null,
      breachedAt: null,
      lastReminderN: 0,
      metAt: null,
      stoppedAt: null,
    };
    let row = rls.t.clocks.find(
      (x) => x.incident === c.incident && x.tenant === c.tenant && x.kind === c.kind,
    );
    if (row) Object.assign(row, fresh, { generation: row.generation + 1 });
    else {
      row = {
        id: rls.next('clock'),
        incident: c.incident,
        tenant: c.tenant,
        kind: c.kind,
        ...fresh,
        generation: 1,
      };
      rls.t.clocks.push(row);
    }
    this.rls.wroteSla('sla_clocks', row, 'insert', `${row.kind} ${row.status}`);
    return Promise.resolve(clone(row));
  }

  updateClock(id: number, changes: ClockChanges): Promise<SlaClock> {
    const row = this.rls.visibleClocks().find((c) => c.id === id);
    if (!row) throw new Error(`SLA clock ${id} not visible for update`);
    const { bump, ...columns } = changes;
    for (const [key, value] of Object.entries(columns))
      if (value !== undefined) Object.assign(row, { [key]: clone(value) });
    if (bump) row.generation += 1;
    this.rls.wroteSla('sla_clocks', row, 'update', `${row.kind} ${row.status}`);
    return Promise.resolve(clone(row));
  }

  insertEvent(e: NewSlaEvent): Promise<boolean> {
    const { rls } = this;
    if (!rls.t.clocks.some((c) => c.id === e.clockId))
      throw new Error('insert on table "sla_events" violates foreign key constraint');
    if (!rls.seesClockOf(e.tenant, e.incident)) throw rlsViolation('sla_events');
    // ON CONFLICT (clock_id, generation, step) DO NOTHING
    const taken = rls.t.events.some(
      (x) => x.clockId === e.clockId && x.generation === e.generation && x.step === e.step,
    );
    if (taken) return Promise.resolve(false);
    const row: EventRow = {
      ...clone(e),
      id: rls.next('event'),
      leaseToken: null,
      leaseUntil: null,
      postedAt: null,
    };
    rls.t.events.push(row);
    this.rls.wroteSla('sla_events', row, 'insert', e.step);
    return Promise.resolve(true);
  }

  leaseUnposted(number: number, token: string, until: Date, now: Date): Promise<SlaEvent[]> {
    const rows = this.rls
      .visibleEvents()
      .filter(
        (e) => e.incident === number && !e.postedAt && (!e.leaseUntil || e.leaseUntil <= now),
      );
    for (const e of rows) {
      Object.assign(e, { leaseToken: token, leaseUntil: new Date(until) });
      this.rls.wroteSla('sla_events', e, 'update', 'lease');
    }
    return Promise.resolve(rows.map(toEvent).sort((a, b) => a.id - b.id));
  }

  releaseLease(ids: readonly number[], token: string): Promise<void> {
    for (const e of this.rls
      .visibleEvents()
      .filter((x) => ids.includes(x.id) && x.leaseToken === token)) {
      Object.assign(e, { leaseToken: null, leaseUntil: null });
      this.rls.wroteSla('sla_events', e, 'update', 'release');
    }
    return Promise.resolve();
  }

  appendTimeline(number: number, entry: NewTimelineEntry): Promise<void> {
    insertTimeline(this.rls, number, entry);
    return Promise.resolve();
  }

  markSecurity(number: number, awareAt: Date): Promise<SlaIncident> {
    const row = updateIncidentRow(this.rls, number, 'security', (r) => {
      r.security = true;
      r.securityAwareAt = new Date(awareAt);
    });
    if (!row) throw new Error(`incident ${number} not visible for update`);
    return Promise.resolve(row);
  }

  // The sweep's batch statements, one by one (the fake has no locks to skip).
  async dueIncidents(now: Date, limit: number): Promise<DueIncidents> {
    const first = new Map<number, number>();
    for (const c of this.rls.visibleClocks()) {
      const at = isActive(c.status) ? nextAt(c) : undefined;
      if (at !== undefined && at <= now.getTime())
        first.set(c.incident, Math.min(at, first.get(c.incident) ?? Infinity));
    }
    const order = [...first].sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, limit);
    const seen = await Promise.all(order.map(([n]) => this.incident(n)));
    // Every due clock was looked at: nothing is due beyond these.
    return { incidents: seen.filter((i): i is SlaIncident => i !== undefined), more: false };
  }

  async activeClocksOf(numbers: readonly number[]): Promise<SlaClock[]> {
    const all = await Promise.all(numbers.map((n) => this.clocksOf(n, { activeOnly: true })));
    return all.flat().sort((a, b) => a.id - b.id);
  }

  async lastUpdatesOf(numbers: readonly number[]): Promise<Map<number, Map<string, Date>>> {
    return new Map(
      await Promise.all(numbers.map(async (n) => [n, await this.lastUpdates(n)] as const)),
    );
  }

  async insertEvents(events: readonly NewSlaEvent[]): Promise<boolean[]> {
    const out: boolean[] = [];
    for (const e of events) out.push(await this.insertEvent(e));
    return out;
  }

  async recordFirings(
    firings: readonly { id: number; changes: FiringChanges }[],
  ): Promise<SlaClock[]> {
    const out: SlaClock[] = [];
    for (const f of firings) out.push(await this.updateClock(f.id, f.changes));
    return out;
  }

  async appendTimelines(entries: readonly IncidentEntry[]): Promise<void> {
    for (const e of entries) await this.appendTimeline(e.incident, e.entry);
  }

  async leaseUnpostedOf(
    numbers: readonly number[],
    token: string,
    until: Date,
    now: Date,
  ): Promise<SlaEvent[]> {
    const all = await Promise.all(numbers.map((n) => this.leaseUnposted(n, token, until, now)));
    return all.flat().sort((a, b) => a.id - b.id);
  }

  activeClocks(afterId: number, limit: number): Promise<SlaClock[]> {
    const rows = this.rls
      .visibleClocks()
      .filter((c) => isActive(c.status) && c.id > afterId)
      .sort((a, b) => a.id - b.id)
      .slice(0, limit);
    return Promise.resolve(clone(rows));
  }

  stalledDeliveries(now: Date): Promise<{ incident: number; firedAt: Date }[]> {
    const oldest = new Map<number, Date>();
    for (const e of this.rls.visibleEvents()) {
      if (e.postedAt || (e.leaseUntil && e.leaseUntil > now)) continue;
      const seen = oldest.get(e.incident);
      if (!seen || e.firedAt < seen) oldest.set(e.incident, new Date(e.firedAt));
    }
    return Promise.resolve([...oldest].map(([incident, firedAt]) => ({ incident, firedAt })));
  }

  incidentsToRepair(since: Date): Promise<number[]> {
    return Promise.resolve(incidentsToRepair(this.rls, since));
  }
}

// Receipts come from the worker that sent a message: system work, as in pg-sla-store.ts.
const RECEIPTS = Scope.platform('SLA message receipts');

/** SlaStore in memory, with the Postgres store's row-level security. */
export class MemorySlaStore implements SlaStore {
  constructor(private readonly db: MemoryDb) {}

  inScope<T>(scope: Scope, fn: (tx: SlaTx) => Promise<T>): Promise<T> {
    return this.db.transaction(scope, (rls) => fn(new MemorySlaTx(rls)));
  }

  readInScope<T>(scope: Scope, fn: (tx: SlaTx) => Promise<T>): Promise<T> {
    return this.inScope(scope, fn);
  }

  renewLease(ids: readonly number[], token: string, until: Date): Promise<boolean> {
    return this.db.transaction(RECEIPTS, (rls) => {
      const held = rls.t.events.filter(
        (e) => ids.includes(e.id) && e.leaseToken === token && !e.postedAt,
      );
      for (const e of held) {
        e.leaseUntil = new Date(until);
        rls.wroteSla('sla_events', e, 'update', 'renew');
      }
      return Promise.resolve(held.length === ids.length);
    });
  }

  markPosted(ids: readonly number[], at: Date): Promise<void> {
    return this.db.transaction(RECEIPTS, (rls) => {
      for (const e of rls.t.events.filter((x) => ids.includes(x.id) && !x.postedAt)) {
        Object.assign(e, { postedAt: new Date(at), leaseToken: null, leaseUntil: null });
        rls.wroteSla('sla_events', e, 'update', 'posted');
      }
      return Promise.resolve();
    });
  }
}
