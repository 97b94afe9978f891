import { insertTimeline } from './pg-incident-store';
import type { RoleBinding } from '../../domain/access/access';
import type { SlaClock } from '../../domain/sla/sla-clock';
import type { NewTimelineEntry } from '../../ports/incident-store';
import { Scope } from '../../domain/tenants/scope';
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
} from '../../ports/sla-store';
import type { Database, Queryable } from './database';
import {
  CLOCK_COLUMNS,
  toClock,
  toEvent,
  toSlaIncident,
  type ClockRow,
  type EventRow,
  type IncidentRow,
} from './pg-sla-rows';
import { INCIDENTS_TO_REPAIR_SQL } from './pg-sla-repair';
import {
  APPEND_TIMELINES_SQL,
  DUE_INCIDENTS_SQL,
  DUE_SCAN_PER_INCIDENT,
  INSERT_EVENTS_SQL,
  RECORD_FIRINGS_SQL,
  firingRecords,
  timelineRecords,
} from './pg-sla-batch';

class PgSlaTx implements SlaTx {
  constructor(private readonly c: Queryable) {}

  async incident(
    number: number,
    opts: { forUpdate?: boolean } = {},
  ): Promise<SlaIncident | undefined> {
    const lock = opts.forUpdate ? ' FOR UPDATE' : '';
    const { rows } = await this.c.query<IncidentRow>(
      `SELECT * FROM incidents WHERE id = $1${lock}`,
      [number],
    );
    return rows[0] ? toSlaIncident(rows[0]) : undefined;
  }

  async tenantsAddedAt(number: number): Promise<Map<string, Date>> {
    const { rows } = await this.c.query<{ tenant_id: string; added_at: Date }>(
      'SELECT tenant_id, added_at FROM incident_tenants WHERE incident_id = $1',
      [number],
    );
    return new Map(rows.map((r) => [r.tenant_id, r.added_at]));
  }

  async tenantPlans(tenants: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.c.query<{ id: string; plan: string }>(
      'SELECT id, plan FROM tenants WHERE id = ANY($1)',
      [tenants],
    );
    return new Map(rows.map((r) => [r.id, r.plan]));
  }

  async roleHolders(
    tenants: readonly string[],
    roles: readonly RoleBinding['role'][],
  ): Promise<RoleBinding[]> {
    const { rows } = await this.c.query<{
      user_id: string;
      tenant_id: string;
      role: RoleBinding['role'];
    }>(
      `SELECT user_id, tenant_id, role FROM role_bindings
       WHERE role = ANY($2) AND (tenant_id = ANY($1) OR tenant_id = '*') ORDER BY user_id, tenant_id`,
      [tenants, roles],
    );
    return rows.map((r) => ({ user: r.user_id, tenant: r.tenant_id, role: r.role }));
  }

  async lastUpdates(number: number): Promise<Map<string, Date>> {
    const { rows } = await this.c.query<{ tenant: string; at: Date }>(
      `SELECT t AS tenant, max(at) AS at FROM timeline, unnest(tenant_ids) AS t
       WHERE incident_id = $1 AND kind = 'update' GROUP BY t`,
      [number],
    );
    return new Map(rows.map((r) => [r.tenant, r.at]));
  }

  async clocksOf(
    number: number,
    opts: { activeOnly?: boolean; forUpdate?: boolean } = {},
  ): Promise<SlaClock[]> {
    const { rows } = await this.c.query<ClockRow>(
      `SELECT * FROM sla_clocks WHERE incident_id = $1
       ${opts.activeOnly ? `AND state IN ('pending', 'breached')` : ''} ORDER BY id${opts.forUpdate ? ' FOR UPDATE' : ''}`,
      [number],
    );
    return rows.map(toClock);
  }

  async startClock(c: NewClock): Promise<SlaClock> {
    const { rows } = await this.c.query<ClockRow>(
      `INSERT INTO sla_clocks (tenant_id, incident_id, kind, state, started_at, due_at, warn_times,
                               warnings_sent, repeat_every_ms)
       VALUES ($1, $2, $3, 'pending', $4, $5, $6::timestamptz[], $7, $8)
       ON CONFLICT (incident_id, tenant_id, kind) DO UPDATE SET
         state = 'pending', started_at = EXCLUDED.started_at, due_at = EXCLUDED.due_at,
         warn_times = EXCLUDED.warn_times, warnings_sent = EXCLUDED.warnings_sent,
         repeat_every_ms = EXCLUDED.repeat_every_ms, warned_at = NULL, breached_at = NULL,
         last_reminder_n = 0, met_at = NULL, stopped_at = NULL,
         generation = sla_clocks.generation + 1, updated_at = now()
       RETURNING *`,
      [
        c.tenant,
        c.incident,
        c.kind,
        c.startedAt,
        c.dueAt,
        c.warnTimes,
        c.warningsSent,
        c.repeatEveryMs,
      ],
    );
    return toClock(rows[0] as ClockRow);
  }

  async updateClock(id: number, changes: ClockChanges): Promise<SlaClock> {
    const sets = ['updated_at = now()'];
    const values: unknown[] = [id];
    for (const [key, column] of Object.entries(CLOCK_COLUMNS) as [
      keyof typeof CLOCK_COLUMNS,
      string,
    ][]) {
      if (changes[key] === undefined) continue;
      values.push(changes[key]);
      sets.push(`${column} = $${values.length}${key === 'warnTimes' ? '::timestamptz[]' : ''}`);
    }
    if (changes.bump) sets.push('generation = generation + 1');
    const { rows } = await this.c.query<ClockRow>(
      `UPDATE sla_clocks SET ${sets.join(', ')} WHERE id = $1 RETURNING *`,
      values,
    );
    if (!rows[0]) throw new Error(`SLA clock ${id} not visible for update`);
    return toClock(rows[0]);
  }

  async insertEvent(e: NewSlaEvent): Promise<boolean> {
    const { rowCount } = await this.c.query(
      `INSERT INTO sla_events (tenant_id, incident_id, clock_id, clock_kind, generation, step, due_at,
                               scheduled_at, fired_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (clock_id, generation, step) DO NOTHING`,
      [
        e.tenant,
        e.incident,
        e.clockId,
        e.clockKind,
        e.generation,
        e.step,
        e.dueAt,
        e.scheduledAt,
        e.firedAt,
      ],
    );
    return rowCount === 1;
  }

  async leaseUnposted(number: number, token: string, until: Date, now: Date): Promise<SlaEvent[]> {
    const { rows } = await this.c.query<EventRow>(
      `UPDATE sla_events SET lease_token = $2, lease_until = $3
       WHERE incident_id = $1 AND posted_at IS NULL AND (lease_until IS NULL OR lease_until <= $4)
       RETURNING *`,
      [number, token, until, now],
    );
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  }

  async releaseLease(ids: readonly number[], token: string): Promise<void> {
    await this.c.query(
      'UPDATE sla_events SET lease_token = NULL, lease_until = NULL WHERE id = ANY($1) AND lease_token = $2',
      [ids, token],
    );
  }

  appendTimeline(number: number, entry: NewTimelineEntry): Promise<void> {
    return insertTimeline(this.c, number, entry);
  }

  async markSecurity(number: number, awareAt: Date): Promise<SlaIncident> {
    const { rows } = await this.c.query<IncidentRow>(
      'UPDATE incidents SET security = true, security_aware_at = $2 WHERE id = $1 RETURNING *',
      [number, awareAt],
    );
    if (!rows[0]) throw new Error(`incident ${number} not visible for update`);
    return toSlaIncident(rows[0]);
  }

  async dueIncidents(now: Date, limit: number): Promise<DueIncidents> {
    const { rows } = await this.c.query<IncidentRow & { more_due: boolean }>(DUE_INCIDENTS_SQL, [
      now,
      limit,
      limit * DUE_SCAN_PER_INCIDENT,
    ]);
    return { incidents: rows.map(toSlaIncident), more: rows[0]?.more_due ?? false };
  }

  async activeClocksOf(numbers: readonly number[]): Promise<SlaClock[]> {
    const { rows } = await this.c.query<ClockRow>(
      `SELECT * FROM sla_clocks WHERE incident_id = ANY($1) AND state IN ('pending', 'breached')
       ORDER BY id FOR UPDATE`,
      [numbers],
    );
    return rows.map(toClock);
  }

  async lastUpdatesOf(numbers: readonly number[]): Promise<Map<number, Map<string, Date>>> {
    const { rows } = await this.c.query<{ incident_id: string; tenant: string; at: Date }>(
      `SELECT incident_id, t AS tenant, max(at) AS at FROM timeline, unnest(tenant_ids) AS t
       WHERE incident_id = ANY($1) AND kind = 'update' GROUP BY incident_id, t`,
      [numbers],
    );
    const out = new Map<number, Map<string, Date>>();
    for (const r of rows) {
      const n = Number(r.incident_id);
      const m = out.get(n) ?? new Map<string, Date>();
      m.set(r.tenant, r.at);
      out.set(n, m);
    }
    return out;
  }

  async insertEvents(events: readonly NewSlaEvent[]): Promise<boolean[]> {
    if (events.length === 0) return [];
    const { rows } = await this.c.query<{ clock_id: string; generation: number; step: string }>(
      INSERT_EVENTS_SQL,
      [JSON.stringify(events)],
    );
    const key = (clock: number, generation: number, step: string) =>
      `${clock}/${generation}/${step}`;
    const made = new Set(rows.map((r) => key(Number(r.clock_id), r.generation, r.step)));
    return events.map((e) => made.has(key(e.clockId, e.generation, e.step)));
  }

  async recordFirings(
    firings: readonly { id: number; changes: FiringChanges }[],
  ): Promise<SlaClock[]> {
    if (firings.length === 0) return [];
    const { rows } = await this.c.query<ClockRow>(RECORD_FIRINGS_SQL, [
      JSON.stringify(firingRecords(firings)),
    ]);
    if (rows.length !== firings.length) throw new Error('SLA clocks not visible for update');
    return rows.map(toClock);
  }

  async appendTimelines(entries: readonly IncidentEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.c.query(APPEND_TIMELINES_SQL, [JSON.stringify(timelineRecords(entries))]);
  }

  async leaseUnpostedOf(
    numbers: readonly number[],
    token: string,
    until: Date,
    now: Date,
  ): Promise<SlaEvent[]> {
    if (numbers.length === 0) return [];
    const { rows } = await this.c.query<EventRow>(
      `UPDATE sla_events SET lease_token = $2, lease_until = $3
       WHERE incident_id = ANY($1) AND posted_at IS NULL AND (lease_until IS NULL OR lease_until <= $4)
       RETURNING *`,
      [numbers, token, until, now],
    );
    return rows.map(toEvent).sort((a, b) => a.id - b.id);
  }

  async activeClocks(afterId: number, limit: number): Promise<SlaClock[]> {
    const { rows } = await this.c.query<ClockRow>(
      `SELECT * FROM sla_clocks WHERE state IN ('pending', 'breached') AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map(toClock);
  }

  async stalledDeliveries(now: Date): Promise<{ incident: number; firedAt: Date }[]> {
    const { rows } = await this.c.query<{ incident_id: string; fired_at: Date }>(
      `SELECT incident_id, min(fired_at) AS fired_at FROM sla_events
       WHERE posted_at IS NULL AND (lease_until IS NULL OR lease_until <= $1) GROUP BY incident_id`,
      [now],
    );
    return rows.map((r) => ({ incident: Number(r.incident_id), firedAt: r.fired_at }));
  }

  async incidentsToRepair(since: Date): Promise<number[]> {
    const { rows } = await this.c.query<{ id: string }>(INCIDENTS_TO_REPAIR_SQL, [since]);
    return rows.map((r) => Number(r.id));
  }
}

// Receipts come from the worker that sent a message: system work for no person.
const RECEIPTS = Scope.platform('SLA message receipts');

/** SlaStore on Postgres: every transaction runs as the app role under row-level security. */
export class PgSlaStore implements SlaStore {
  constructor(private readonly db: Database) {}

  inScope<T>(scope: Scope, fn: (tx: SlaTx) => Promise<T>): Promise<T> {
    return this.db.scoped(scope, (client) => fn(new PgSlaTx(client)));
  }

  readInScope<T>(scope: Scope, fn: (tx: SlaTx) => Promise<T>): Promise<T> {
    return fn(new PgSlaTx(this.db.reader(scope)));
  }

  async renewLease(ids: readonly number[], token: string, until: Date): Promise<boolean> {
    const rows = await this.db.statement(
      RECEIPTS,
      `UPDATE sla_events SET lease_until = $3
       WHERE id = ANY($1) AND lease_token = $2 AND posted_at IS NULL RETURNING id`,
      [ids, token, until],
    );
    return rows.length === ids.length;
  }

  async markPosted(ids: readonly number[], at: Date): Promise<void> {
    await this.db.statement(
      RECEIPTS,
      `UPDATE sla_events SET posted_at = $2, lease_token = NULL, lease_until = NULL
       WHERE id = ANY($1) AND posted_at IS NULL`,
      [ids, at],
    );
  }
}
