import { migrate } from '../../src/adapters/postgres/migrator';
import { PgSlaStore } from '../../src/adapters/postgres/pg-sla-store';
import type { SlaDeps } from '../../src/app/sla-deps';
import { leaseEvents, slaReceipt } from '../../src/app/sla-post';
import type { Clock } from '../../src/ports/clock';
import { storageUnderTest } from '../support/stack';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { ALL } from '../support/scopes';

jest.setTimeout(60_000);

const LEASE_MS = 60_000;
let t: TestDatabase;
let now = new Date('2026-11-27T09:00:00Z');
const clock: Clock = { now: () => now };
let deps: SlaDeps;

/** One fired, unposted breach event of incident 1 (straight into the tables, as the timer leaves it). */
async function firedEvent(): Promise<void> {
  await t.db.owner(async (c) => {
    await c.query(`INSERT INTO tenants (id, name, plan) VALUES ('acme', 'Acme', 'default')`);
    await c.query(
      `INSERT INTO incidents (id, tenant_ids, title, severity, state, channel_id, declared_by, declared_at)
       VALUES (1, ARRAY['acme'], 'Checkout down', 'P1', 'declared', 'C0INC1', 'U0ALICE', $1)`,
      [now],
    );
    await c.query(
      `INSERT INTO sla_clocks (id, tenant_id, incident_id, kind, state, started_at, due_at)
       VALUES (1, 'acme', 1, 'first_response', 'breached', $1, $1)`,
      [now],
    );
    await c.query(
      `INSERT INTO sla_events (tenant_id, incident_id, clock_id, clock_kind, generation, step, due_at, scheduled_at, fired_at)
       VALUES ('acme', 1, 1, 'first_response', 1, 'due', $1, $1, $1)`,
      [now],
    );
  });
}

const posted = async () =>
  (await t.db.owner((c) => c.query<{ posted_at: Date | null }>('SELECT posted_at FROM sla_events')))
    .rows[0]?.posted_at ?? null;

beforeAll(async () => {
  t = await openTestDatabase();
  await migrate(t.db);
  await firedEvent();
  deps = {
    store: new PgSlaStore(t.db),
    clock,
    settings: { leaseMs: LEASE_MS },
  } as unknown as SlaDeps;
});

afterAll(async () => {
  await t?.close();
});

/** The receipt ref of the message a lease produces (what sendLeased hands to the outbox). */
async function lease(): Promise<string> {
  const leased = await deps.store.inScope(ALL, async (tx) =>
    leaseEvents(deps, tx, (await tx.incident(1))!, now),
  );
  if (!leased) throw new Error('nothing leased');
  return `${leased.token}/${leased.events.map((e) => e.id).join(',')}/${leased.until.getTime()}`;
}

describe(`SLA message receipts (${storageUnderTest()} storage)`, () => {
  it('withdraws a stale message whose lease was taken over, and posts the newer one once', async () => {
    const receipt = slaReceipt(deps);
    const stale = await lease();
    // Nobody else can hold the events yet: a first attempt goes without a look.
    await expect(receipt.claim(stale, { first: true })).resolves.toBe(true);
    // Its job is lost; the lease runs out and the reconciler's post leases them anew.
    now = new Date(now.getTime() + LEASE_MS + 1);
    const fresh = await lease();
    // The stale message turns up late (a retry): its lease is gone, so it is withdrawn.
    await expect(receipt.claim(stale, { first: false })).resolves.toBe(false);
    await expect(receipt.claim(fresh, { first: false })).resolves.toBe(true);
    await receipt.delivered(fresh, { channel: 'C0INC1', ts: '1.000001' });
    expect(await posted()).toEqual(now);
    // A re-run of the delivered message (its job record lost after the send) is withdrawn too.
    await expect(receipt.claim(fresh, { first: false })).resolves.toBe(false);
    // Told twice (a retry after a failed record) changes nothing.
    const at = await posted();
    now = new Date(now.getTime() + 5000);
    await receipt.delivered(fresh, { channel: 'C0INC1', ts: '1.000001' });
    expect(await posted()).toEqual(at);
    // Nothing is left to lease.
    await expect(
      deps.store.inScope(ALL, async (tx) => leaseEvents(deps, tx, (await tx.incident(1))!, now)),
    ).resolves.toBe(undefined);
  });

  it('refuses a malformed receipt ref', async () => {
    await expect(slaReceipt(deps).claim('not-a-ref', { first: false })).rejects.toThrow(
      'bad SLA receipt ref',
    );
  });
});
