import { migrate } from '../../src/adapters/postgres/migrator';
import { PgAccessStore } from '../../src/adapters/postgres/pg-access-store';
import { PgAlertIntake } from '../../src/adapters/postgres/pg-alert-intake';
import { PgAlertStore } from '../../src/adapters/postgres/pg-alert-store';
import { parseAlertmanager } from '../../src/domain/alerts/parse-alertmanager';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { amPayload } from '../support/alert-helpers';
import { ALL } from '../support/scopes';

jest.setTimeout(60_000);

let t: TestDatabase;

beforeAll(async () => {
  t = await openTestDatabase();
  await migrate(t.db);
  await new PgAccessStore(t.db).syncFromConfig(
    [{ id: 'hooli', name: 'Hooli', plan: 'default', commsChannel: null }],
    [],
  );
});

afterAll(async () => {
  await t?.close();
});

function received(resource: string) {
  const body = amPayload([
    {
      labels: { alertname: 'TenantQuotaNearLimit', tenant_id: 'hooli', resource },
      summary: `hooli ${resource} at 93%, ask jane.doe@example.com`,
    },
  ]);
  const parsed = parseAlertmanager(body, { receivedAt: new Date() });
  if (!parsed.ok) throw new Error(parsed.message);
  return {
    source: 'alertmanager' as const,
    receivedAt: new Date(),
    rawJson: JSON.stringify(body),
    problems: [],
    alerts: parsed.alerts,
  };
}

describe('applying stored alert payloads', () => {
  it('keeps alerts with the payload until applied; an apply takes the payloads waiting too', async () => {
    const intake = new PgAlertIntake(t.db);
    const stored = await Promise.all(
      ['storage', 'seats', 'storage'].map((r) => intake.store(received(r))),
    );
    const ids = stored.map((s) => s.payloadId);
    const pending = await t.db.statement<{ n: string }>(
      ALL,
      'SELECT count(*) AS n FROM alert_payloads WHERE id = ANY($1) AND pending_events IS NOT NULL AND processed_at IS NULL',
      [ids],
    );
    expect(pending[0]?.n).toBe('3');
    // Nothing is an event before it is applied.
    const before = await t.db.statement<{ n: string }>(
      ALL,
      'SELECT count(*) AS n FROM alert_events',
    );
    expect(before[0]?.n).toBe('0');
    const changed = await new PgAlertStore(t.db).applyPayloads([ids[0] as number], {
      decide: () => ({ kind: 'thread' }),
      now: new Date(),
    });
    expect(changed).toHaveLength(1);
    expect(changed[0]?.total).toBe(2);
    const payloads = await t.db.statement<{ id: string; new_count: number; pending: boolean }>(
      ALL,
      'SELECT id, new_count, pending_events IS NOT NULL AS pending FROM alert_payloads WHERE processed_at IS NOT NULL ORDER BY id',
    );
    // All three applied by one call: the third repeats the first, so it brought nothing new.
    expect(payloads.map((p) => [Number(p.id), p.new_count, p.pending])).toEqual([
      [ids[0], 1, false],
      [ids[1], 1, false],
      [ids[2], 0, false],
    ]);
    const events = await t.db.statement<{ summary: string }>(
      ALL,
      'SELECT summary FROM alert_events ORDER BY id',
    );
    expect(events.map((e) => e.summary)).toEqual([
      'hooli storage at 93%, ask j***@example.com',
      'hooli seats at 93%, ask j***@example.com',
    ]);
  });
});
