import type { AlertIntake, ReceivedPayload, StoredPayload } from '../../ports/alert-store';
import { Batcher } from '../batcher';
import type { Database } from './database';
import { Scope } from '../../domain/tenants/scope';

// One statement for a batch of payloads: take their ids, insert their events (skipping ones
// already stored), then the payload rows with their count of new events (a payload of
// duplicates only is processed already). Foreign keys are checked at the end of the statement.
const STORE_SQL = `
WITH p AS (
  SELECT nextval(pg_get_serial_sequence('alert_payloads', 'id')) AS id, u.*
  FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::int[])
    WITH ORDINALITY AS u(source, received_at, raw, problems, alert_count, i)
),
ins AS (
  INSERT INTO alert_events (payload_id, tenant_id, source, fingerprint, status, starts_at, ends_at,
    name, summary, severity_hint, labels, annotations, problems, received_at)
  SELECT p.id, e.tenant_id, p.source, e.fingerprint, e.status, e.starts_at, e.ends_at, e.name,
    e.summary, e.severity_hint, e.labels, e.annotations, e.problems, p.received_at
  FROM jsonb_to_recordset($6::jsonb) AS e(i int, tenant_id text, fingerprint text, status text,
    starts_at timestamptz, ends_at timestamptz, name text, summary text, severity_hint text,
    labels jsonb, annotations jsonb, problems text[])
  JOIN p ON p.i = e.i
  ON CONFLICT (source, fingerprint, status, starts_at) DO NOTHING
  RETURNING payload_id
),
n AS (SELECT payload_id, count(*)::int AS c FROM ins GROUP BY payload_id),
stored AS (
  INSERT INTO alert_payloads (id, source, received_at, raw, problems, alert_count, new_count, processed_at)
  SELECT p.id, p.source, p.received_at, p.raw::json,
    ARRAY(SELECT jsonb_array_elements_text(p.problems::jsonb)), p.alert_count, coalesce(n.c, 0),
    CASE WHEN coalesce(n.c, 0) = 0 THEN p.received_at END
  FROM p LEFT JOIN n ON n.payload_id = p.id
  RETURNING id, new_count
)
SELECT p.i, stored.id, stored.new_count FROM stored JOIN p ON p.id = stored.id`;

/**
 * AlertIntake on Postgres. Payloads that arrive together are stored together: one transaction
 * and one statement for the batch, however many alerts they carry.
 */
export class PgAlertIntake implements AlertIntake {
  private readonly batcher: Batcher<ReceivedPayload, StoredPayload>;

  constructor(private readonly db: Database) {
    // Bodies are up to 1 MB each: a batch carries at most ~8 MB of them.
    this.batcher = new Batcher((batch) => this.storeAll(batch), {
      maxBatch: 50,
      concurrency: 3,
      weigh: (p) => p.rawJson.length,
      maxWeight: 8 * 1024 * 1024,
    });
  }

  store(payload: ReceivedPayload): Promise<StoredPayload> {
    return this.batcher.submit(payload);
  }

  private async storeAll(batch: ReceivedPayload[]): Promise<StoredPayload[]> {
    const events = batch.flatMap((p, i) =>
      p.alerts.map((a) => ({
        i: i + 1,
        tenant_id: a.tenantId ?? null,
        fingerprint: a.fingerprint,
        status: a.status,
        starts_at: a.startsAt.toISOString(),
        ends_at: a.endsAt?.toISOString() ?? null,
        name: a.name,
        summary: a.summary,
        severity_hint: a.severityHint ?? null,
        labels: a.labels,
        annotations: a.annotations,
        problems: a.problems,
      })),
    );
    // One round trip: BEGIN, the scope's settings, the statement and COMMIT in one text.
    const rows = await this.db.statement<{ i: string; id: string; new_count: number }>(
      Scope.platform('alert intake'),
      STORE_SQL,
      [
        batch.map((p) => p.source),
        batch.map((p) => p.receivedAt.toISOString()),
        batch.map((p) => p.rawJson),
        batch.map((p) => JSON.stringify(p.problems)),
        batch.map((p) => p.alerts.length),
        JSON.stringify(events),
      ],
    );
    const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
    return batch.map((_, i) => {
      const row = byIndex.get(i + 1);
      if (!row) throw new Error('alert payload insert returned no row');
      return { payloadId: Number(row.id), newEvents: Number(row.new_count) };
    });
  }
}
