import type {
  Incident,
  IncidentState,
  Severity,
  TimelineEntry,
  TimelineKind,
} from '../../domain/incidents/incident';
import type {
  IncidentChanges,
  IncidentStore,
  IncidentTx,
  NewIncident,
  NewTimelineEntry,
  ChatPlace,
  Tenant,
} from '../../ports/incident-store';
import { Scope } from '../../domain/tenants/scope';
import type { Database, Queryable } from './database';

export interface IncidentRow {
  id: string;
  tenant_ids: string[];
  title: string;
  severity: Severity;
  state: IncidentState;
  security: boolean;
  channel_id: string | null;
  thread_ts: string | null;
  card_ts: string | null;
  declared_by: string;
  declared_at: Date;
  acknowledged_at: Date | null;
  mitigated_at: Date | null;
  resolved_at: Date | null;
  summary: string | null;
  commander: string | null;
  comms: string | null;
  scribe: string | null;
}

export function toIncident(r: IncidentRow): Incident {
  const roles: Incident['roles'] = {};
  if (r.commander) roles.commander = r.commander;
  if (r.comms) roles.comms = r.comms;
  if (r.scribe) roles.scribe = r.scribe;
  return {
    number: Number(r.id),
    title: r.title,
    severity: r.severity,
    state: r.state,
    tenants: r.tenant_ids,
    security: r.security,
    channelId: r.channel_id,
    threadTs: r.thread_ts,
    cardTs: r.card_ts,
    declaredBy: r.declared_by,
    declaredAt: r.declared_at,
    acknowledgedAt: r.acknowledged_at,
    mitigatedAt: r.mitigated_at,
    resolvedAt: r.resolved_at,
    summary: r.summary,
    roles,
  };
}

const COLUMNS: Record<Exclude<keyof IncidentChanges, 'role'>, string> = {
  state: 'state',
  severity: 'severity',
  channelId: 'channel_id',
  threadTs: 'thread_ts',
  cardTs: 'card_ts',
  acknowledgedAt: 'acknowledged_at',
  mitigatedAt: 'mitigated_at',
  resolvedAt: 'resolved_at',
  summary: 'summary',
  security: 'security',
};

/** Appends one timeline entry; its tenants default to the incident's. */
export async function insertTimeline(
  c: Queryable,
  number: number,
  entry: NewTimelineEntry,
): Promise<void> {
  await c.query(
    `INSERT INTO timeline (incident_id, tenant_ids, at, actor, kind, text, data)
     SELECT $1, coalesce($2::text[], i.tenant_ids), $3, $4, $5, $6, $7 FROM incidents i WHERE i.id = $1`,
    [
      number,
      entry.tenants ?? null,
      entry.at,
      entry.actor,
      entry.kind,
      entry.text,
      entry.data ?? {},
    ],
  );
}

class PgIncidentTx implements IncidentTx {
  constructor(private readonly c: Queryable) {}

  async tenants(ids?: readonly string[]): Promise<Tenant[]> {
    const { rows } = await this.c.query<{
      id: string;
      name: string;
      plan: string;
      comms_channel: string | null;
    }>(
      ids
        ? 'SELECT id, name, plan, comms_channel FROM tenants WHERE id = ANY($1) ORDER BY id'
        : 'SELECT id, name, plan, comms_channel FROM tenants ORDER BY id',
      ids ? [ids] : [],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      plan: r.plan,
      commsChannel: r.comms_channel,
    }));
  }

  async createIncident(input: NewIncident): Promise<Incident> {
    const { rows } = await this.c.query<IncidentRow>(
      `INSERT INTO incidents (tenant_ids, title, severity, state, declared_by, declared_at)
       VALUES ($1, $2, $3, 'declared', $4, $5) RETURNING *`,
      [input.tenants, input.title, input.severity, input.declaredBy, input.declaredAt],
    );
    const row = rows[0] as IncidentRow;
    await this.c.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by)
       SELECT $1, t, $2, $3 FROM unnest($4::text[]) AS t`,
      [row.id, input.declaredAt, input.declaredBy, input.tenants],
    );
    return toIncident(row);
  }

  async findIncident(
    number: number,
    opts: { forUpdate?: boolean } = {},
  ): Promise<Incident | undefined> {
    const { rows } = await this.c.query<IncidentRow>(
      `SELECT * FROM incidents WHERE id = $1${opts.forUpdate ? ' FOR UPDATE' : ''}`,
      [number],
    );
    return rows[0] ? toIncident(rows[0]) : undefined;
  }

  async updateIncident(number: number, changes: IncidentChanges): Promise<Incident> {
    const sets: string[] = [];
    const values: unknown[] = [number];
    for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
      if (changes[key] === undefined) continue;
      values.push(changes[key]);
      sets.push(`${column} = $${values.length}`);
    }
    if (changes.role) {
      values.push(changes.role.user);
      sets.push(`${changes.role.role} = $${values.length}`);
    }
    const { rows } = await this.c.query<IncidentRow>(
      `UPDATE incidents SET ${sets.length ? sets.join(', ') : 'id = id'} WHERE id = $1 RETURNING *`,
      values,
    );
    if (!rows[0]) throw new Error(`incident ${number} not visible for update`);
    return toIncident(rows[0]);
  }

  async addIncidentTenant(number: number, tenant: string, by: string, at: Date): Promise<Incident> {
    await this.c.query(
      `INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [number, tenant, at, by],
    );
    const { rows } = await this.c.query<IncidentRow>(
      `UPDATE incidents SET tenant_ids = array_append(tenant_ids, $2)
       WHERE id = $1 AND NOT ($2 = ANY (tenant_ids)) RETURNING *`,
      [number, tenant],
    );
    if (rows[0]) return toIncident(rows[0]);
    const current = await this.findIncident(number);
    if (!current) throw new Error(`incident ${number} not visible`);
    return current;
  }

  appendTimeline(number: number, entry: NewTimelineEntry): Promise<void> {
    return insertTimeline(this.c, number, entry);
  }

  async timeline(number: number): Promise<TimelineEntry[]> {
    const { rows } = await this.c.query<{
      at: Date;
      actor: string | null;
      kind: TimelineKind;
      text: string;
      tenant_ids: string[];
    }>(
      'SELECT at, actor, kind, text, tenant_ids FROM timeline WHERE incident_id = $1 ORDER BY at, id',
      [number],
    );
    return rows.map((r) => ({
      at: r.at,
      actor: r.actor,
      kind: r.kind,
      text: r.text,
      tenants: r.tenant_ids,
    }));
  }

  async timelineHas(
    number: number,
    kind: TimelineKind,
    data: Record<string, string>,
  ): Promise<boolean> {
    const { rows } = await this.c.query(
      'SELECT 1 FROM timeline WHERE incident_id = $1 AND kind = $2 AND data @> $3::jsonb LIMIT 1',
      [number, kind, JSON.stringify(data)],
    );
    return rows.length > 0;
  }

  async listIncidents(filter: {
    tenant?: string;
    open?: boolean;
    limit?: number;
  }): Promise<Incident[]> {
    const { rows } = await this.c.query<IncidentRow>(
      `SELECT * FROM incidents
       WHERE ($1::text IS NULL OR $1 = ANY (tenant_ids)) AND (NOT $2 OR state <> 'resolved')
       ORDER BY id DESC LIMIT $3`,
      [filter.tenant ?? null, filter.open ?? false, filter.limit ?? 20],
    );
    return rows.map(toIncident);
  }
}

const ROUTING = Scope.platform('which incident a Slack channel or thread belongs to');

/** IncidentStore on Postgres: every transaction runs as the app role under row-level security. */
export class PgIncidentStore implements IncidentStore {
  constructor(private readonly db: Database) {}

  inScope<T>(scope: Scope, fn: (tx: IncidentTx) => Promise<T>): Promise<T> {
    return this.db.scoped(scope, (client) => fn(new PgIncidentTx(client)));
  }

  readInScope<T>(scope: Scope, fn: (tx: IncidentTx) => Promise<T>): Promise<T> {
    return fn(new PgIncidentTx(this.db.reader(scope)));
  }

  async incidentAt(place: ChatPlace): Promise<number | 'ambiguous' | undefined> {
    // Own channel, or the thread the message is in / roots; a pin never goes further than that.
    const root = place.threadTs ?? place.messageTs ?? null;
    const exact = await this.db.scoped(ROUTING, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `SELECT id FROM incidents WHERE channel_id = $1 AND (thread_ts IS NULL OR thread_ts = $2)
         ORDER BY (thread_ts IS NULL) ASC, id DESC LIMIT 1`,
        [place.channel, root],
      );
      if (rows[0] || place.messageTs !== undefined) return rows[0];
      // A command typed in a shared channel names the one incident open there.
      const open = await c.query<{ id: string }>(
        `SELECT id FROM incidents WHERE channel_id = $1 AND thread_ts IS NOT NULL
         AND state <> 'resolved' ORDER BY id DESC LIMIT 2`,
        [place.channel],
      );
      return open.rows.length > 1 ? ('ambiguous' as const) : open.rows[0];
    });
    if (exact === 'ambiguous') return exact;
    return exact ? Number(exact.id) : undefined;
  }
}
