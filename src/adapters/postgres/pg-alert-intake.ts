import type { NormalizedAlert } from '../../domain/alerts/normalized-alert';
import type { AlertIntake, ReceivedPayload, StoredPayload } from '../../ports/alert-store';
import { Batcher } from '../batcher';
import type { Database } from './database';
import { Scope } from '../../domain/tenants/scope';

// One statement for a batch of payloads: their ids, then the rows, each with its normalised
// alerts kept as JSON text for the worker (which stores them as events, duplicates dropped).
// One VALUES row of literals per payload: a body goes in as one literal, not inside an array's.
const FIELDS = 6;

function storeSql(count: number): string {
  const rows = Array.from({ length: count }, (_, k) => {
    const n = k * FIELDS;
    return `($${n + 1}::text, $${n + 2}::timestamptz, $${n + 3}::text, $${n + 4}::text, $${n + 5}::int, $${n + 6}::text, ${k + 1})`;
  });
  return `
WITH p AS (
  SELECT nextval(pg_get_serial_sequence('alert_payloads', 'id')) AS id, u.*
  FROM (VALUES ${rows.join(',\n    ')}) AS u(source, received_at, raw, problems, alert_count, events, i)
),
stored AS (
  INSERT INTO alert_payloads (id, source, received_at, raw, problems, alert_count, pending_events)
  SELECT p.id, p.source, p.received_at, p.raw::json,
    ARRAY(SELECT jsonb_array_elements_text(p.problems::jsonb)), p.alert_count, p.events
  FROM p
  RETURNING id
)
SELECT p.i, stored.id FROM stored JOIN p ON p.id = stored.id`;
}

/**
 * AlertIntake on Postgres. Payloads that arrive together are stored together: one round trip
 * and one statement for the batch, however many alerts they carry.
 */
export class PgAlertIntake implements AlertIntake {
  private readonly batcher: Batcher<ReceivedPayload, StoredPayload>;

  constructor(private readonly db: Database) {
    // Bodies are up to 1 MB each: a batch carries at most ~8 MB of them. While a batch is in
    // flight, the next one waits up to 4 ms for company: a storm's requests, arriving one by one
    // as their answers go out, went as single-payload batches that took a flight each.
    this.batcher = new Batcher((batch) => this.storeAll(batch), {
      maxBatch: 50,
      concurrency: 3,
      busyLingerMs: 4,
      weigh: (p) => p.rawJson.length,
      maxWeight: 8 * 1024 * 1024,
    });
  }

  store(payload: ReceivedPayload): Promise<StoredPayload> {
    return this.batcher.submit(payload);
  }

  private async storeAll(batch: ReceivedPayload[]): Promise<StoredPayload[]> {
    // One round trip: BEGIN, the scope's settings, the statement and COMMIT in one text.
    const rows = await this.db.statement<{ i: string; id: string }>(
      Scope.platform('alert intake'),
      storeSql(batch.length),
      batch.flatMap((p) => [
        p.source,
        p.receivedAt,
        p.rawJson,
        JSON.stringify(p.problems),
        p.alerts.length,
        JSON.stringify(p.alerts.map(eventRecord)),
      ]),
    );
    const byIndex = new Map(rows.map((r) => [Number(r.i), r]));
    return batch.map((_, i) => {
      const row = byIndex.get(i + 1);
      if (!row) throw new Error('alert payload insert returned no row');
      return { payloadId: Number(row.id) };
    });
  }
}

/** An alert as the worker's event insert reads it (see PENDING_EVENTS_SQL in pg-alert-apply). */
function eventRecord(a: NormalizedAlert): Record<string, unknown> {
  return {
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
  };
}
