import { migrate } from '../../src/adapters/postgres/migrator';
import { PgIncidentStore } from '../../src/adapters/postgres/pg-incident-store';
import { PgAccessStore, PgAuditLog } from '../../src/adapters/postgres/pg-access-store';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { storageUnderTest } from '../support/stack';
import { ALL, Scope } from '../support/scopes';

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
  acmeIncident = await store.inScope(Scope.of(['acme']), async (tx) => {
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
    expect(
      await store.inScope(Scope.of(['acme']), (tx) => tx.findIncident(acmeIncident)),
    ).toBeDefined();
    expect(
      await store.inScope(Scope.of(['globex']), (tx) => tx.findIncident(acmeIncident)),
    ).toBeUndefined();
    expect(await store.inScope(Scope.of(['globex']), (tx) => tx.timeline(acmeIncident))).toEqual(
      [],
    );
    expect(
      (await store.inScope(Scope.of(['globex']), (tx) => tx.tenants())).map((x) => x.id),
    ).toEqual(['globex']);
  });

  it('shows nothing to a query that set no tenant, even as the app role on raw SQL', async () => {
    const seen = await t.db.scoped(
      Scope.of([]),
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
      store.inScope(Scope.of(['globex']), (tx) =>
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
    await expect(t.db.scoped(ALL, (c) => c.query('DELETE FROM timeline'))).rejects.toThrow(
      /permission denied/,
    );
  });

  it('applies the same scoping to one-round-trip statements, with values kept exact', async () => {
    const sql = 'SELECT id, title FROM incidents WHERE id = $1 AND title <> $2';
    const odd = "it's a \\ test; --";
    expect(await t.db.statement(Scope.of(['acme']), sql, [acmeIncident, odd])).toEqual([
      { id: String(acmeIncident), title: 'Acme down' },
    ]);
    expect(await t.db.statement(Scope.of(['globex']), sql, [acmeIncident, odd])).toEqual([]);
    const [echo] = await t.db.statement<{ v: string }>(ALL, 'SELECT $1::text AS v', [odd]);
    expect(echo?.v).toBe(odd);
    // Strings that need quoting come back exact, whatever they hold (dollar-quoted with a tag
    // they don't contain).
    const tricky = ["it's", 'a\\b', 'x$q', "'$q$", "'$q$$q0$", "'\\$", "$q$'", 'é ✓ \n\t'];
    const echoed = await Promise.all(
      tricky.map((v) => t.db.statement<{ v: string }>(ALL, 'SELECT $1::text AS v;', [v])),
    );
    expect(echoed.map((r) => r[0]?.v)).toEqual(tricky);
    await expect(
      t.db.statement(
        Scope.of(['globex']),
        'INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by) VALUES ($1, $2, now(), $3)',
        [acmeIncident, 'acme', 'U1'],
      ),
    ).rejects.toThrow(/row-level security/);
    // The failed statement's transaction was rolled back: the connection is usable again.
    expect(await t.db.statement(Scope.of(['acme']), sql, [acmeIncident, odd])).toHaveLength(1);
  });

  it('reads through one-round-trip read-only queries with the same scoping, and refuses writes there', async () => {
    const acme = Scope.of(['acme']);
    const globex = Scope.of(['globex']);
    const seen = await store.readInScope(acme, async (tx) => ({
      incident: await tx.findIncident(acmeIncident),
      timeline: await tx.timeline(acmeIncident),
    }));
    expect(seen.incident?.title).toBe('Acme down');
    expect(seen.incident?.tenants).toEqual(['acme']);
    expect(seen.incident?.declaredAt).toBeInstanceOf(Date);
    expect(seen.timeline.map((e) => e.kind)).toEqual(['declared']);
    expect(await store.readInScope(globex, (tx) => tx.findIncident(acmeIncident))).toBeUndefined();
    expect(await store.readInScope(globex, (tx) => tx.timeline(acmeIncident))).toEqual([]);
    // An array of strings goes in as an array literal, values exact.
    const odd = ['acme', 'a"b\\c', "d'e"];
    const { rows } = await t.db.reader(ALL).query<{ v: string[] }>('SELECT $1::text[] AS v', [odd]);
    expect(rows[0]?.v).toEqual(odd);
    await expect(
      store.readInScope(acme, (tx) =>
        tx.appendTimeline(acmeIncident, { at: new Date(), actor: 'U1', kind: 'note', text: 'x' }),
      ),
    ).rejects.toThrow(/read-only transaction/);
    expect(await store.inScope(acme, (tx) => tx.timeline(acmeIncident))).toHaveLength(1);
    expect(() => t.db.reader('*' as unknown as Scope)).toThrow(/must be a Scope/);
  });

  it('sends reads issued together in one round trip, each under its own scope; a failing one fails alone', async () => {
    const connect = jest.spyOn(t.db.pool, 'connect');
    try {
      const acme = t.db.reader(Scope.of(['acme']));
      const globex = t.db.reader(Scope.of(['globex']));
      const sql = 'SELECT id FROM incidents WHERE id = $1';
      const setting = "SELECT current_setting('app.tenant_id') AS s";
      const [a1, g1, a2, gs, as, g2] = await Promise.all([
        acme.query(sql, [acmeIncident]),
        globex.query(sql, [acmeIncident]),
        acme.query('SELECT $1::text AS v', ["it's"]),
        globex.query(setting),
        acme.query(setting),
        globex.query(sql, [acmeIncident]),
      ]);
      expect(a1.rows).toEqual([{ id: String(acmeIncident) }]);
      expect(g1.rows).toEqual([]); // globex's reads ran under globex's settings
      expect(g2.rows).toEqual([]);
      expect(a2.rows).toEqual([{ v: "it's" }]);
      expect(gs.rows).toEqual([{ s: 'globex' }]);
      expect(as.rows).toEqual([{ s: 'acme' }]);
      expect(connect).toHaveBeenCalledTimes(1); // one trip for both scopes
      const settled = await Promise.allSettled([
        acme.query('SELECT 1 AS x'),
        acme.query('SELECT 1 / $1 AS y', [0]),
        acme.query('SELECT 2 AS x; SELECT 3 AS x'),
        acme.query('SELECT $1::int AS z -- a comment ends with its line', [7]),
      ]);
      expect(settled.map((r) => r.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/division by zero/);
      expect(String((settled[2] as PromiseRejectedResult).reason)).toMatch(/not one statement/);
      expect((settled[3] as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows).toEqual([
        { z: 7 },
      ]);
    } finally {
      connect.mockRestore();
    }
  });

  it('sends statements issued together in one transaction per scope; a refused one fails alone', async () => {
    const acme = Scope.of(['acme']);
    const rename = 'UPDATE incidents SET title = $1 WHERE id = $2 RETURNING title';
    const connect = jest.spyOn(t.db.pool, 'connect');
    try {
      const [renamed, echoed] = await Promise.all([
        t.db.statement<{ title: string }>(acme, rename, ['Acme down (batched)', acmeIncident]),
        t.db.statement<{ v: string }>(acme, 'SELECT $1::text AS v -- a comment', ["it's"]),
      ]);
      expect(renamed).toEqual([{ title: 'Acme down (batched)' }]);
      expect(echoed).toEqual([{ v: "it's" }]);
      expect(connect).toHaveBeenCalledTimes(1); // one trip, one transaction
      connect.mockClear();
      const settled = await Promise.allSettled([
        t.db.statement(acme, rename, ['Acme down', acmeIncident]),
        // Outside acme's scope: row-level security refuses it, and Postgres rolls the text back.
        t.db.statement(
          acme,
          'INSERT INTO incident_tenants (incident_id, tenant_id, added_at, added_by) VALUES ($1, $2, now(), $3)',
          [acmeIncident, 'globex', 'U1'],
        ),
        t.db.statement(acme, 'SELECT $1::int AS n', [3]),
      ]);
      expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/row-level security/);
      expect((settled[2] as PromiseFulfilledResult<unknown[]>).value).toEqual([{ n: 3 }]);
      // The batch, then each alone: the rename was committed by its own transaction.
      expect(connect).toHaveBeenCalledTimes(4);
      const [now] = await t.db.statement<{ title: string }>(
        acme,
        'SELECT title FROM incidents WHERE id = $1',
        [acmeIncident],
      );
      expect(now?.title).toBe('Acme down');
      const tenants = await t.db.statement(
        ALL,
        'SELECT tenant_id FROM incident_tenants WHERE incident_id = $1',
        [acmeIncident],
      );
      expect(tenants).toEqual([{ tenant_id: 'acme' }]);
      // Two statements in one text are refused to the caller.
      await expect(
        t.db.statement(acme, 'SELECT title FROM incidents WHERE id = $1; SELECT 1', [acmeIncident]),
      ).rejects.toThrow(/not one statement/);
    } finally {
      connect.mockRestore();
    }
  });

  it('builds scopes only from valid tenant ids: "*" and "a,b" cannot widen one', async () => {
    expect(() => Scope.of(['*'])).toThrow(/not a tenant id/);
    expect(() => Scope.of(['acme,globex'])).toThrow(/not a tenant id/);
    expect(() => Scope.of(["acme' OR true"])).toThrow(/not a tenant id/);
    // A string or array cast past the types is refused by the database layer itself.
    const cast = (v: unknown) => v as Scope;
    await expect(t.db.scoped(cast('*'), () => Promise.resolve(1))).rejects.toThrow(
      /must be a Scope/,
    );
    await expect(t.db.scoped(cast(['acme,globex']), () => Promise.resolve(1))).rejects.toThrow(
      /must be a Scope/,
    );
    await expect(t.db.statement(cast('*'), 'SELECT 1')).rejects.toThrow(/must be a Scope/);
    expect(Scope.platform('why').isPlatform).toBe(true);
    expect(Scope.of(['globex', 'acme', 'acme']).setting()).toBe('acme,globex');
  });

  it('lets a scope read a shared incident but write only rows all of whose tenants it covers', async () => {
    const shared = await store.inScope(Scope.of(['acme', 'globex']), (tx) =>
      tx.createIncident({
        title: 'Shared',
        severity: 'P2',
        tenants: ['acme', 'globex'],
        declaredBy: 'U1',
        declaredAt: new Date(),
      }),
    );
    const globex = Scope.of(['globex']);
    expect(await store.inScope(globex, (tx) => tx.findIncident(shared.number))).toBeDefined();
    await expect(
      store.inScope(globex, (tx) => tx.updateIncident(shared.number, { state: 'acknowledged' })),
    ).rejects.toThrow(/row-level security/);
    await expect(
      store.inScope(globex, (tx) =>
        tx.appendTimeline(shared.number, { at: new Date(), actor: 'U1', kind: 'note', text: 'x' }),
      ),
    ).rejects.toThrow(/row-level security/);
    // An entry for globex alone is globex's to write.
    await store.inScope(globex, (tx) =>
      tx.appendTimeline(shared.number, {
        at: new Date(),
        actor: 'U1',
        kind: 'note',
        text: 'globex only',
        tenants: ['globex'],
      }),
    );
    const acmeSees = await store.inScope(Scope.of(['acme']), (tx) => tx.timeline(shared.number));
    expect(acmeSees.map((e) => e.text)).not.toContain('globex only');
  });
});
