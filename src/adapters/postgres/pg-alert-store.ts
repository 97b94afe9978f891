import type { PoolClient } from 'pg';
import type {
  AlertGroup,
  AlertStore,
  ApplyOptions,
  ChangedGroup,
  GroupAlert,
} from '../../ports/alert-store';
import type { Database } from './database';
import { applyEvents } from './pg-alert-apply';
import { toGroup, toGroupAlert, type AlertRow, type GroupRow } from './pg-alert-rows';
import { Scope } from '../../domain/tenants/scope';

/** AlertStore on Postgres; platform-wide ('*' scope), as the alert worker serves every tenant. */
export class PgAlertStore implements AlertStore {
  constructor(private readonly db: Database) {}

  private run<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.db.scoped(Scope.platform('alert processing'), fn);
  }

  applyPayloads(payloadIds: number[], opts: ApplyOptions): Promise<ChangedGroup[]> {
    return this.run((c) => applyEvents(c, payloadIds, opts));
  }

  async group(id: number): Promise<AlertGroup | undefined> {
    const { rows } = await this.run((c) =>
      c.query<GroupRow>('SELECT * FROM alert_groups WHERE id = $1', [id]),
    );
    return rows[0] ? toGroup(rows[0]) : undefined;
  }

  async groupAlerts(id: number, limit: number): Promise<GroupAlert[]> {
    const { rows } = await this.run((c) =>
      c.query<AlertRow>(
        `SELECT a.status, a.summary, a.labels, a.starts_at, a.ends_at, e.problems
         FROM alerts a JOIN alert_events e ON e.id = a.last_event_id
         WHERE a.group_id = $1 ORDER BY (a.status = 'resolved'), a.starts_at, a.id LIMIT $2`,
        [id, limit],
      ),
    );
    return rows.map(toGroupAlert);
  }

  async unplacedGroups(placeKey: string): Promise<AlertGroup[]> {
    const { rows } = await this.run((c) =>
      c.query<GroupRow>(
        `SELECT * FROM alert_groups
         WHERE placed_at IS NULL AND total_count > 0 AND action <> 'ignore'
           AND (tenant_id = $1 OR ($1 = '*' AND tenant_id IS NULL))
         ORDER BY id`,
        [placeKey],
      ),
    );
    return rows.map(toGroup);
  }

  async place(
    id: number,
    place: { channelId?: string; threadTs?: string; incidentId?: number },
  ): Promise<boolean> {
    const { rowCount } = await this.run((c) =>
      c.query(
        `UPDATE alert_groups SET placed_at = now(), channel_id = $2, thread_ts = $3, incident_id = $4
         WHERE id = $1 AND placed_at IS NULL`,
        [id, place.channelId ?? null, place.threadTs ?? null, place.incidentId ?? null],
      ),
    );
    return rowCount === 1;
  }

  async messagePosted(id: number, channelId: string, ts: string): Promise<AlertGroup | undefined> {
    const { rows } = await this.run((c) =>
      c.query<GroupRow>(
        `UPDATE alert_groups SET channel_id = $2, message_ts = $3, thread_ts = coalesce(thread_ts, $3)
         WHERE id = $1 RETURNING *`,
        [id, channelId, ts],
      ),
    );
    return rows[0] ? toGroup(rows[0]) : undefined;
  }

  async claimResolveNotice(id: number): Promise<boolean> {
    const { rowCount } = await this.run((c) =>
      c.query(
        `UPDATE alert_groups SET resolve_noticed_at = now()
         WHERE id = $1 AND resolve_noticed_at IS NULL AND message_ts IS NOT NULL AND state = 'resolved'`,
        [id],
      ),
    );
    return rowCount === 1;
  }

  async unprocessedPayloads(before: Date, limit: number): Promise<number[]> {
    const { rows } = await this.run((c) =>
      c.query<{ id: string }>(
        'SELECT id FROM alert_payloads WHERE processed_at IS NULL AND received_at < $1 ORDER BY id LIMIT $2',
        [before, limit],
      ),
    );
    return rows.map((r) => Number(r.id));
  }
}
