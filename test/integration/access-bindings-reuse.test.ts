// A person's role bindings are read once for the checks of one command (BINDINGS_REUSE_MS), not
// longer: a binding changed by a process that synced a new config file is seen after that time,
// and this process's own sync is seen at once. Real Postgres (or embedded).
import { migrate } from '../../src/adapters/postgres/migrator';
import { BINDINGS_REUSE_MS, PgAccessStore } from '../../src/adapters/postgres/pg-access-store';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { storageUnderTest } from '../support/stack';

jest.setTimeout(60_000);

let t: TestDatabase;
const TENANTS = [
  { id: 'acme', name: 'Acme', plan: 'default', commsChannel: null },
  { id: 'globex', name: 'Globex', plan: 'default', commsChannel: null },
];

beforeAll(async () => {
  t = await openTestDatabase();
  await migrate(t.db);
});
afterAll(() => t?.close());

describe(`role bindings read for a command (${storageUnderTest()} storage)`, () => {
  it("reuses a read within the window, and sees another process's sync after it", async () => {
    let now = 1_000_000;
    const mine = new PgAccessStore(t.db, () => now);
    const other = new PgAccessStore(t.db);
    await other.syncFromConfig(TENANTS, [{ user: 'U1', tenant: 'acme', role: 'commander' }]);
    expect(await mine.bindingsOf('U1')).toEqual([
      { user: 'U1', tenant: 'acme', role: 'commander' },
    ]);

    // Another process starts with a config that moved U1 to globex.
    await other.syncFromConfig(TENANTS, [{ user: 'U1', tenant: 'globex', role: 'responder' }]);
    now += BINDINGS_REUSE_MS - 1;
    expect((await mine.bindingsOf('U1')).map((b) => b.tenant)).toEqual(['acme']);
    now += 1;
    expect(await mine.bindingsOf('U1')).toEqual([
      { user: 'U1', tenant: 'globex', role: 'responder' },
    ]);
  });

  it("sees its own sync at once, and a caller can't change what the next one reads", async () => {
    const now = 2_000_000;
    const store = new PgAccessStore(t.db, () => now);
    await store.syncFromConfig(TENANTS, [{ user: 'U2', tenant: 'acme', role: 'commander' }]);
    const first = await store.bindingsOf('U2');
    first[0]!.tenant = 'globex';
    first.push({ user: 'U2', tenant: '*', role: 'approver' });
    expect(await store.bindingsOf('U2')).toEqual([
      { user: 'U2', tenant: 'acme', role: 'commander' },
    ]);
    await store.syncFromConfig(TENANTS, []);
    expect(await store.bindingsOf('U2')).toEqual([]);
  });
});
