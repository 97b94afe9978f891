import type { PoolClient } from 'pg';
import type { DeliveryFailure, DeliveryFailureLog } from '../../ports/chat-outbox';
import type { Database } from './database';
import { Scope } from '../../domain/tenants/scope';

export interface LaneState {
  nextSeq: number;
  doneSeq: number;
  tatMs: number;
  epoch: string;
}

export interface NewDeliveryFailure {
  method: string;
  channel?: string;
  threadTs?: string;
  messageTs?: string;
  summary: string;
  error: string;
  attempts: number;
  jobId?: string;
}

interface LaneRow {
  next_seq: string;
  done_seq: string;
  tat_ms: string;
  epoch: string;
}

function toLane(r: LaneRow): LaneState {
  return {
    nextSeq: Number(r.next_seq),
    doneSeq: Number(r.done_seq),
    tatMs: Number(r.tat_ms),
    epoch: r.epoch,
  };
}

const LANES = Scope.platform('Slack delivery lanes and failures');

/**
 * Per-channel lanes for chat.postMessage (order and Slack's rate, shared by every worker
 * process) and the record of calls that failed for good. Platform-wide: Slack's limits are.
 */
export class PgSlackDeliveryStore implements DeliveryFailureLog {
  constructor(private readonly db: Database) {}

  private run<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.db.scoped(LANES, fn);
  }

  /** The next `count` sequence numbers of a channel's lane (the first returned), and how far it got. */
  async allocate(
    channel: string,
    count = 1,
  ): Promise<{ seq: number; done: number; epoch: string }> {
    const rows = await this.db.statement<{ next_seq: string; done_seq: string; epoch: string }>(
      LANES,
      `INSERT INTO slack_lanes (channel, next_seq) VALUES ($1, $2)
       ON CONFLICT (channel) DO UPDATE SET next_seq = slack_lanes.next_seq + $2
       RETURNING next_seq, done_seq, epoch`,
      [channel, count],
    );
    const row = rows[0];
    if (!row) throw new Error(`no lane for ${channel}`);
    return { seq: Number(row.next_seq) - count + 1, done: Number(row.done_seq), epoch: row.epoch };
  }

  /**
   * `allocate` for several channels in one statement (rows locked in channel order, so two
   * of these never wait on each other in a circle).
   */
  async allocateMany(
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, { seq: number; done: number; epoch: string }>> {
    const wanted = [...counts].map(([channel, count]) => ({ channel, count }));
    const rows = await this.db.statement<{
      channel: string;
      next_seq: string;
      done_seq: string;
      epoch: string;
    }>(
      LANES,
      `INSERT INTO slack_lanes (channel, next_seq)
       SELECT v.channel, v.count FROM jsonb_to_recordset($1::jsonb) AS v(channel text, count bigint)
       ORDER BY v.channel
       ON CONFLICT (channel) DO UPDATE SET next_seq = slack_lanes.next_seq + EXCLUDED.next_seq
       RETURNING channel, next_seq, done_seq, epoch`,
      [JSON.stringify(wanted)],
    );
    const out = new Map<string, { seq: number; done: number; epoch: string }>();
    for (const r of rows) {
      const count = counts.get(r.channel) ?? 0;
      out.set(r.channel, {
        seq: Number(r.next_seq) - count + 1,
        done: Number(r.done_seq),
        epoch: r.epoch,
      });
    }
    if (out.size !== counts.size) throw new Error('lanes missing after allocation');
    return out;
  }

  async lane(channel: string): Promise<LaneState | undefined> {
    const rows = await this.db.statement<LaneRow>(
      LANES,
      'SELECT next_seq, done_seq, tat_ms, epoch FROM slack_lanes WHERE channel = $1',
      [channel],
      { readOnly: true },
    );
    return rows[0] ? toLane(rows[0]) : undefined;
  }

  /**
   * GCRA update after a post, from the time Slack had answered: Slack counts a post when it
   * arrives, which is before the answer, so this can't let the next one arrive early. While the
   * lane is backed up the theoretical time is ahead of the answer and nothing drifts.
   */
  async sent(channel: string, answeredMs: number, intervalMs: number): Promise<void> {
    await this.db.statement(
      LANES,
      'UPDATE slack_lanes SET tat_ms = greatest(tat_ms, $2) + $3 WHERE channel = $1',
      [channel, answeredMs, intervalMs],
    );
  }

  /** Slack said 429: nothing goes to the channel before `untilMs`, and then no burst. */
  async block(channel: string, untilMs: number, toleranceMs: number): Promise<void> {
    await this.db.statement(
      LANES,
      'UPDATE slack_lanes SET tat_ms = greatest(tat_ms, $2) WHERE channel = $1',
      [channel, untilMs + toleranceMs],
    );
  }

  /**
   * Marks the lane's `seq` delivered (or given up on); returns the lane after it. With `sent`,
   * the post used a slot: the GCRA update of `sent()` is made in the same statement.
   */
  async finish(
    lane: { channel: string; seq: number; epoch?: string },
    sent?: { answeredMs: number; intervalMs: number },
  ): Promise<LaneState | undefined> {
    // A job of an older lane (its epoch gone) must not move the lane that replaced it.
    const rows = await this.db.statement<LaneRow>(
      LANES,
      `UPDATE slack_lanes SET done_seq = greatest(done_seq, $2),
         tat_ms = CASE WHEN $3::bigint IS NULL THEN tat_ms ELSE greatest(tat_ms, $3::bigint) + $4::bigint END
       WHERE channel = $1 AND ($5::text IS NULL OR epoch = $5)
       RETURNING next_seq, done_seq, tat_ms, epoch`,
      [lane.channel, lane.seq, sent?.answeredMs ?? null, sent?.intervalMs ?? 0, lane.epoch ?? null],
    );
    return rows[0] ? toLane(rows[0]) : undefined;
  }

  async recordFailure(f: NewDeliveryFailure, at: Date): Promise<void> {
    await this.run((c) =>
      c.query(
        `INSERT INTO slack_failures (failed_at, method, channel, thread_ts, message_ts, summary, error, attempts, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          at,
          f.method,
          f.channel ?? null,
          f.threadTs ?? null,
          f.messageTs ?? null,
          f.summary,
          f.error,
          f.attempts,
          f.jobId ?? null,
        ],
      ),
    );
  }

  async failuresIn(
    channel: string,
    threadTs?: string,
    limit = 5,
  ): Promise<{ total: number; recent: DeliveryFailure[] }> {
    const rows = await this.db.statement<{
      failed_at: Date;
      method: string;
      channel: string | null;
      summary: string;
      error: string;
      attempts: number;
      total: string;
    }>(
      LANES,
      `SELECT failed_at, method, channel, summary, error, attempts, count(*) OVER () AS total FROM slack_failures
       WHERE channel = $1 AND ($2::text IS NULL OR thread_ts = $2 OR message_ts = $2)
       ORDER BY failed_at DESC, id DESC LIMIT $3`,
      [channel, threadTs ?? null, limit],
      { readOnly: true },
    );
    const recent = rows.map((r) => ({
      failedAt: r.failed_at,
      method: r.method,
      channel: r.channel,
      summary: r.summary,
      error: r.error,
      attempts: r.attempts,
    }));
    return { total: Number(rows[0]?.total ?? 0), recent };
  }
}
