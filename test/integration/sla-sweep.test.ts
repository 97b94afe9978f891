import { migrate } from '../../src/adapters/postgres/migrator';
import type { Database } from '../../src/adapters/postgres/database';
import { PgSlaStore } from '../../src/adapters/postgres/pg-sla-store';
import type { SlaDeps } from '../../src/app/sla-deps';
import { sweepDueClocks } from '../../src/app/sla-sweep';
import type { ChatOutbox, ReceiptRef } from '../../src/ports/chat-outbox';
import type { OutboundMessage } from '../../src/ports/chat';
import type { Clock } from '../../src/ports/clock';
import type { SlaStore, SlaTx } from '../../src/ports/sla-store';
import type { SlaTimer, SlaTimers } from '../../src/ports/sla-timers';
import { storageUnderTest } from '../support/stack';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { ALL } from '../support/scopes';

jest.setTimeout(60_000);

const INCIDENTS = 40;
const TENANTS = ['acme', 'globex', 'initech'];
const start = new Date('2026-11-27T09:00:00Z');
let now = start;
const clock: Clock = { now: () => now };
let t: TestDatabase;

interface Worker {
  deps: SlaDeps;
  sent: { msg: OutboundMessage; receipt?: ReceiptRef }[];
  timers: SlaTimer[];
  wakes: Date[];
}

/** A worker's SLA deps on `db`: the real store, an outbox and timers that only record. */
function worker(db: Database, store: SlaStore = new PgSlaStore(db)): Worker {
  const w: Worker = { sent: [], timers: [], wakes: [], deps: undefined as unknown as SlaDeps };
  const outbox = {
    send: (msg: OutboundMessage, receipt?: ReceiptRef) => {
      w.sent.push({ msg, ...(receipt ? { receipt } : {}) });
      return Promise.resolve();
    },
  } as unknown as ChatOutbox;
  const timers: SlaTimers = {
    ensure: (ts) => {
      w.timers.push(...ts);
      return Promise.resolve();
    },
    wake: (at) => {
      w.wakes.push(at);
      return Promise.resolve();
    },
    deliver: () => Promise.resolve(),
    lost: () => Promise.resolve(false),
  };
  const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
  w.deps = {
    store,
    timers,
    outbox,
    clock,
    log,
    settings: { leaseMs: 60_000 },
  } as unknown as SlaDeps;
  return w;
}

/**
 * Open P1 incidents `first` … `first + count - 1`, each of all `tenants`; each tenant's
 * first-response clock has a warning at +20 min (already sent) and is due at +`dueMin` min plus
 * one ms per incident number.
 */
async function seedIncidents(
  first: number,
  count: number,
  tenants: string[],
  dueMin: number,
): Promise<void> {
  await t.db.owner(async (c) => {
    await c.query(
      `INSERT INTO tenants (id, name, plan) SELECT t, t, 'default' FROM unnest($1::text[]) t`,
      [tenants],
    );
    await c.query(
      `INSERT INTO incidents (id, tenant_ids, title, severity, state, channel_id, declared_by, declared_at)
       SELECT i, $3::text[], 'Incident ' || i, 'P1', 'declared', 'C0SWEEP' || i, 'U0ALICE', $4
       FROM generate_series($1::int, $1::int + $2::int - 1) i`,
      [first, count, tenants, start],
    );
    await c.query(
      `INSERT INTO sla_clocks (tenant_id, incident_id, kind, state, started_at, due_at, warn_times,
                               warnings_sent, repeat_every_ms)
       SELECT t, i, 'first_response', 'pending', $3,
              $3::timestamptz + $5::int * interval '1 minute' + i * interval '1 millisecond',
              ARRAY[$3::timestamptz + interval '20 minutes'], 1, 3600000
       FROM generate_series($1::int, $1::int + $2::int - 1) i, unnest($4::text[]) t`,
      [first, count, start, tenants, dueMin],
    );
  });
}

/** INCIDENTS incidents of 3 tenants each, due at +30 min. */
const seed = () => seedIncidents(1, INCIDENTS, TENANTS, 30);

async function rows<T>(sql: string): Promise<T[]> {
  return t.db.scoped(ALL, async (c) => (await c.query(sql)).rows as T[]);
}

const breachCounts = () =>
  rows<{ clock_id: string; n: string }>(
    `SELECT c.id AS clock_id, count(e.id) AS n FROM sla_clocks c
     LEFT JOIN sla_events e ON e.clock_id = c.id AND e.step = 'due' GROUP BY c.id`,
  );

/** Each tenant of each incident as named by the messages sent: `<channel> <tenant>`. */
function named(workers: Worker[]): string[] {
  return workers
    .flatMap((w) => w.sent)
    .flatMap(({ msg }) =>
      [...msg.text.matchAll(/\*([a-z]+)\*/g)].map((m) => `${msg.channel} ${m[1]}`),
    )
    .sort();
}

beforeEach(async () => {
  t = await openTestDatabase();
  await migrate(t.db);
  await seed();
  now = start;
});

afterEach(async () => {
  await t?.close();
});

describe(`the SLA sweep (${storageUnderTest()} storage)`, () => {
  it('claims nothing before the clocks are due, and leaves their timers alone', async () => {
    const a = worker(t.db);
    now = new Date(start.getTime() + 29 * 60_000);
    expect(await sweepDueClocks(a.deps)).toEqual({ incidents: 0, fired: 0 });
    expect(a.sent).toHaveLength(0);
    expect((await breachCounts()).every((r) => r.n === '0')).toBe(true);
  });

  it('claims each due clock once when two workers sweep at the same time', async () => {
    const a = worker(t.db);
    const b = worker(t.another());
    now = new Date(start.getTime() + 31 * 60_000);
    // Small batches, so the two sweeps take turns over many transactions.
    const [ra, rb] = await Promise.all([sweepDueClocks(a.deps, 3), sweepDueClocks(b.deps, 3)]);
    expect(ra.fired + rb.fired).toBe(INCIDENTS * TENANTS.length);
    expect(ra.incidents + rb.incidents).toBe(INCIDENTS);
    const counts = await breachCounts();
    expect(counts).toHaveLength(INCIDENTS * TENANTS.length);
    expect(counts.filter((r) => r.n !== '1')).toEqual([]);
    // One message per incident (its 3 tenants fell due together), each tenant named once.
    const expected = Array.from({ length: INCIDENTS }, (_, i) =>
      TENANTS.map((tenant) => `C0SWEEP${i + 1} ${tenant}`),
    )
      .flat()
      .sort();
    expect(named([a, b])).toEqual(expected);
    expect(a.sent.length + b.sent.length).toBe(INCIDENTS);
    const timeline = await rows<{ n: string }>(
      `SELECT count(*) AS n FROM timeline WHERE kind = 'sla_breach'`,
    );
    expect(Number(timeline[0]?.n)).toBe(INCIDENTS * TENANTS.length);
    // Breached clocks remind hourly: their next timers were scheduled.
    const reminders = [...a.timers, ...b.timers].map((x) => x.at.getTime());
    expect(new Set(reminders).size).toBeGreaterThan(0);
    expect(Math.min(...reminders)).toBeGreaterThan(now.getTime());
    // A later sweep finds nothing more to claim.
    expect(await sweepDueClocks(a.deps)).toEqual({ incidents: 0, fired: 0 });
  });

  it('goes on past an incident whose clocks alone fill its look at the due clocks', async () => {
    // Incident 41 has a first-response clock for each of 30 tenants, due before all others. A
    // sweep of batches of 2 looks at the 20 earliest due clocks per claim: all of them are 41's.
    const many = Array.from({ length: 30 }, (_, i) => `wide-${i}`);
    await seedIncidents(INCIDENTS + 1, 1, many, 29);
    const a = worker(t.db);
    now = new Date(start.getTime() + 31 * 60_000);
    // The first claim locks only incident 41 (a short batch), yet more is due: the sweep goes on.
    expect(await sweepDueClocks(a.deps, 2)).toEqual({
      incidents: INCIDENTS + 1,
      fired: INCIDENTS * TENANTS.length + many.length,
    });
    expect((await breachCounts()).filter((r) => r.n !== '1')).toEqual([]);
    expect(await sweepDueClocks(a.deps, 2)).toEqual({ incidents: 0, fired: 0 });
  });

  it('asks for another wake-up when it stops after its last round with more due', async () => {
    const a = worker(t.db);
    now = new Date(start.getTime() + 31 * 60_000);
    // 4 rounds of 5 incidents: 20 of the 40 due incidents, and a wake-up for the rest, now.
    expect(await sweepDueClocks(a.deps, 5, 4)).toEqual({ incidents: 20, fired: 60 });
    expect(a.wakes).toEqual([now]);
    // The woken sweep takes the rest and stops on its short batch: no further wake-up.
    expect(await sweepDueClocks(a.deps, 5, 50)).toEqual({ incidents: 20, fired: 60 });
    expect(a.wakes).toHaveLength(1);
    expect((await breachCounts()).filter((r) => r.n !== '1')).toEqual([]);
  });

  it('loses nothing when a worker dies in the middle of its sweep: the next sweep claims it once', async () => {
    const dying = worker(t.db, killedAfterClaiming(new PgSlaStore(t.db)));
    now = new Date(start.getTime() + 31 * 60_000);
    await expect(sweepDueClocks(dying.deps)).rejects.toThrow('worker killed');
    expect(dying.sent).toHaveLength(0);
    expect((await breachCounts()).every((r) => r.n === '0')).toBe(true);
    const other = worker(t.another());
    expect(await sweepDueClocks(other.deps)).toEqual({
      incidents: INCIDENTS,
      fired: INCIDENTS * TENANTS.length,
    });
    expect((await breachCounts()).filter((r) => r.n !== '1')).toEqual([]);
    expect(named([dying, other])).toHaveLength(INCIDENTS * TENANTS.length);
  });
});

/** A store whose transactions die right after the events were claimed, before the commit. */
function killedAfterClaiming(store: SlaStore): SlaStore {
  return {
    renewLease: (...args) => store.renewLease(...args),
    markPosted: (...args) => store.markPosted(...args),
    readInScope: (scope, fn) => store.readInScope(scope, fn),
    inScope: (scope, fn) =>
      store.inScope(scope, (tx) =>
        fn(
          new Proxy(tx, {
            get(target, prop: keyof SlaTx) {
              if (prop !== 'insertEvents') return target[prop].bind(target) as unknown;
              return async (...args: Parameters<SlaTx['insertEvents']>) => {
                await target.insertEvents(...args);
                throw new Error('worker killed');
              };
            },
          }),
        ),
      ),
  };
}
