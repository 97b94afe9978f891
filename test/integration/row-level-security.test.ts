import { migrate } from '../../src/adapters/postgres/migrator';
import { PgIncidentStore } from '../../src/adapters/postgres/pg-incident-store';
import { PgAccessStore, PgAuditLog } from '../../src/adapters/postgres/pg-access-store';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { storageUnderTest } from '../support/stack';

jest.setTimeout(60_000);

let t: TestDatabase;
let store: PgIncidentStore;
let acmeIncident: number;

beforeAll(async () => {
  t = await openTestDatabase();
  await migrate(t.db);
  await new PgAccessStore(t.db).syncFromConfig(
    [
      { id: 'acme', name: 'Acme', plan: 'default', commsChannel: null },
      { id: 'globex', name: 'Globex', plan: 'default', commsChannel: null },
    ],
    [],
  );
  store = new PgIncidentStore(t.db);
  acmeIncident = await store.inScope(['acme'], async (tx) => {
    const inc = await tx.createIncident({
      title: 'Acme down',
      severity: 'P1',
      tenants: ['acme'],
      declaredBy: 'U1',
      declaredAt: new Date(),
    });
    await tx.appendTimeline(inc.number, {
      at: new Date(),
      actor: 'U1',
      kind: 'declared',
      text: 'declared',
    });
    return inc.number;
  });
});

afterAll(async () => {
  await t?.close();
});

describe(`row-level security (${storageUnderTest()} storage)`, () => {
  it("shows a tenant's rows only to transactions scoped to that tenant", async () => {
    expect(await store.inScope(['acme'], (tx) => tx.findIncident(acmeIncident))).toBeDefined();
    expect(await store.inScope(['globex'], (tx) => tx.findIncident(acmeIncident))).toBeUndefined();
    expect(await store.inScope(['globex'], (tx) => tx.timeline(acmeIncident))).toEqual([]);
    expect((await store.inScope(['globex'], (tx) => tx.tenants())).map((x) => x.id)).toEqual([
      'globex',
    ]);
  });

  it('shows nothing to a query that set no tenant, even as the app role on raw SQL', async () => {
    const seen = await t.db.scoped(
      [],
      async (c) => (await c.query('SELECT * FROM incidents')).rowCount,
    );
    expect(seen).toBe(0);
    const raw = await t.db.owner(async (c) => {
      await c.query(`SELECT set_config('role', 'tenantops_app', true)`);
      return (await c.query('SELECT count(*)::int AS n FROM timeline')).rows[0] as { n: number };
    });
    expect(raw.n).toBe(0);
  });

  it('refuses to write a row for a tenant outside the scope', async () => {
    await expect(
      store.inScope(['globex'], (tx) =>
        tx.createIncident({
          title: 'x',
          severity: 'P2',
          tenants: ['acme'],
          declaredBy: 'U1',
          declaredAt: new Date(),
        }),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('keeps the timeline and audit log append-only, even for the owner', async () => {
    await new PgAuditLog(t.db).record({
      at: new Date(),
      actor: 'U1',
      action: 'resolve',
      outcome: 'denied',
      tenantIds: ['acme'],
    });
    await expect(
      t.db.owner((c) => c.query('UPDATE timeline SET text = $1', ['rewritten'])),
    ).rejects.toThrow(/append-only/);
    await expect(
      t.db.owner(async (c) => {
        await c.query(`SELECT set_config('app.tenant_id', '*', true)`);
        return c.query('DELETE FROM audit_log');
      }),
    ).rejects.toThrow(/append-only/);
    await expect(t.db.scoped('*', (c) => c.query('DELETE FROM timeline'))).rejects.toThrow(
      /permission denied/,
    );
  });

  it('applies the same scoping to one-round-trip statements, with values kept exact', async () => {
    const sql = 'SELECT id, title FROM incidents WHERE id = $1 AND title <> $2';
    const odd = "it's a \\ test; --";
    expect(await t.db.statement(['acme'], sql, [acmeIncident, odd])).toEqual([
      { id: String(acmeIncident), title: 'Acme down' },
    ]);
    expect(await t.db.statement(['globex'], sql, [acmeIncident, odd])).toEqual([]);
    const [echo] = await t.db.statement<{ v: string }>('*', 'SELECT $1::text AS v', [odd]);
    expect(echo?.v).toBe(odd);
    await expect(
      t.db.statement(
        ['globex'],
        'INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by) VALUES ($1, $2, now(), $3)',
        [acmeIncident, 'acme', 'U1'],
      ),
    ).rejects.toThrow(/row-level security/);
    // The failed statement's transaction was rolled back: the connection is usable again.
    expect(await t.db.statement(['acme'], sql, [acmeIncident, odd])).toHaveLength(1);
  });
});
