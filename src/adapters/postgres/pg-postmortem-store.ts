import type { PeopleSections } from '../../domain/postmortems/people';
import type { FactsSummary } from '../../domain/postmortems/facts-summary';
import type { PostmortemRecord } from '../../domain/postmortems/postmortem-record';
import type { NewTimelineEntry, Scope } from '../../ports/incident-store';
import type {
  DraftVersion,
  NewDraftVersion,
  OverduePostmortem,
  PostmortemState,
  PostmortemStore,
  PostmortemTx,
} from '../../ports/postmortem-store';
import type { Database, Queryable } from './database';
import { insertTimeline } from './pg-incident-store';
import { readRecord } from './pg-postmortem-record';

interface StateRow {
  incident_id: string;
  latest_version: number;
  people: PeopleSections;
  people_version: number;
  people_by: string | null;
  updated_at: Date;
  done_at: Date | null;
  done_by: string | null;
}

interface VersionRow {
  version: number;
  source: DraftVersion['source'];
  interim: boolean;
  created_at: Date;
  created_by: string | null;
  facts_digest: string;
  facts_summary: FactsSummary;
  template_digest: string;
  people: PeopleSections;
  markdown: string;
}

function toState(r: StateRow): PostmortemState {
  return {
    incident: Number(r.incident_id),
    latestVersion: r.latest_version,
    people: r.people,
    peopleVersion: r.people_version,
    peopleBy: r.people_by,
    updatedAt: r.updated_at,
    doneAt: r.done_at,
    doneBy: r.done_by,
  };
}

function toVersion(r: VersionRow): DraftVersion {
  return {
    version: r.version,
    source: r.source,
    interim: r.interim,
    createdAt: r.created_at,
    createdBy: r.created_by,
    factsDigest: r.facts_digest,
    factsSummary: r.facts_summary,
    templateDigest: r.template_digest,
    people: r.people,
    markdown: r.markdown,
  };
}

class PgPostmortemTx implements PostmortemTx {
  constructor(private readonly c: Queryable) {}

  async record(incident: number): Promise<PostmortemRecord | undefined> {
    const record = await readRecord(this.c, incident);
    return record && { ...record, runbookRuns: [] };
  }

  async dueAt(incident: number): Promise<Date | undefined> {
    const { rows } = await this.c.query<{ due_at: Date }>(
      `SELECT due_at FROM sla_clocks WHERE incident_id = $1 AND kind = 'postmortem' LIMIT 1`,
      [incident],
    );
    return rows[0]?.due_at;
  }

  async state(incident: number): Promise<PostmortemState | undefined> {
    const { rows } = await this.c.query<StateRow>(
      'SELECT * FROM postmortems WHERE incident_id = $1',
      [incident],
    );
    return rows[0] ? toState(rows[0]) : undefined;
  }

  async lock(incident: number, tenants: readonly string[]): Promise<PostmortemState> {
    // The upsert takes the row lock: versions of one incident are numbered one at a time.
    const { rows } = await this.c.query<StateRow>(
      `INSERT INTO postmortems (incident_id, tenant_ids) VALUES ($1, $2)
       ON CONFLICT (incident_id) DO UPDATE SET tenant_ids = EXCLUDED.tenant_ids RETURNING *`,
      [incident, tenants],
    );
    return toState(rows[0] as StateRow);
  }

  async latest(incident: number): Promise<DraftVersion | undefined> {
    const { rows } = await this.c.query<VersionRow>(
      `SELECT * FROM postmortem_versions WHERE incident_id = $1 ORDER BY version DESC LIMIT 1`,
      [incident],
    );
    return rows[0] ? toVersion(rows[0]) : undefined;
  }

  async version(incident: number, version: number): Promise<DraftVersion | undefined> {
    const { rows } = await this.c.query<VersionRow>(
      'SELECT * FROM postmortem_versions WHERE incident_id = $1 AND version = $2',
      [incident, version],
    );
    return rows[0] ? toVersion(rows[0]) : undefined;
  }

  async addVersion(
    incident: number,
    tenants: readonly string[],
    d: NewDraftVersion,
    peopleChanged: boolean,
  ): Promise<number> {
    const { rows } = await this.c.query<{ latest_version: number }>(
      `UPDATE postmortems SET latest_version = latest_version + 1, updated_at = $3,
         people = CASE WHEN $4 THEN $5::jsonb ELSE people END,
         people_version = CASE WHEN $4 THEN latest_version + 1 ELSE people_version END,
         people_by = CASE WHEN $4 THEN $6 ELSE people_by END
       WHERE incident_id = $1 AND tenant_ids = $2 RETURNING latest_version`,
      [incident, tenants, d.createdAt, peopleChanged, JSON.stringify(d.people), d.createdBy],
    );
    const version = rows[0]?.latest_version;
    if (version === undefined) throw new Error(`post-mortem of incident ${incident} not locked`);
    await this.c.query(
      `INSERT INTO postmortem_versions (incident_id, tenant_ids, version, source, interim, created_at,
         created_by, facts_digest, facts_summary, template_digest, people, markdown)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        incident,
        tenants,
        version,
        d.source,
        d.interim,
        d.createdAt,
        d.createdBy,
        d.factsDigest,
        JSON.stringify(d.factsSummary),
        d.templateDigest,
        JSON.stringify(d.people),
        d.markdown,
      ],
    );
    return version;
  }

  async markDone(incident: number, at: Date, by: string): Promise<void> {
    await this.c.query(
      'UPDATE postmortems SET done_at = $2, done_by = $3, updated_at = $2 WHERE incident_id = $1',
      [incident, at, by],
    );
  }

  async overdue(now: Date, limit: number): Promise<OverduePostmortem[]> {
    const { rows } = await this.c.query<{
      id: string;
      title: string;
      tenant_ids: string[];
      due_at: Date;
    }>(
      `SELECT i.id, i.title, i.tenant_ids, c.due_at FROM sla_clocks c
       JOIN incidents i ON i.id = c.incident_id
       WHERE c.kind = 'postmortem' AND c.state IN ('pending', 'breached') AND c.due_at < $1
       ORDER BY c.due_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => ({
      incident: Number(r.id),
      title: r.title,
      tenants: r.tenant_ids,
      dueAt: r.due_at,
    }));
  }

  async appendTimeline(incident: number, entry: NewTimelineEntry): Promise<void> {
    await insertTimeline(this.c, incident, entry);
  }
}

/** Post-mortem drafts in Postgres; every transaction runs as the app role in its scope. */
export class PgPostmortemStore implements PostmortemStore {
  constructor(private readonly db: Database) {}

  inScope<T>(scope: Scope, fn: (tx: PostmortemTx) => Promise<T>): Promise<T> {
    return this.db.scoped(scope, (c) => fn(new PgPostmortemTx(c)));
  }

  readInScope<T>(scope: Scope, fn: (tx: PostmortemTx) => Promise<T>): Promise<T> {
    return fn(new PgPostmortemTx(this.db.reader(scope)));
  }
}
