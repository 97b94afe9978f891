import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { migrate } from '../../src/adapters/postgres/migrator';
import { PgAccessStore } from '../../src/adapters/postgres/pg-access-store';
import { PgBackupCatalog } from '../../src/adapters/postgres/pg-backup-catalog';
import { startDemoTarget } from '../../src/adapters/target/demo-target';
import { openTargetSystem } from '../../src/adapters/target/open-target';
import { openTestDatabase, type TestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

async function query<R>(url: string, sql: string): Promise<R[]> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows as R[];
  } finally {
    await c.end();
  }
}

describe('embedded demo target', () => {
  let dir: string;
  let catalogDb: TestDatabase;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'tenantops-demo-'));
    catalogDb = await openTestDatabase();
    await migrate(catalogDb.db);
    await new PgAccessStore(catalogDb.db).syncFromConfig(
      ['acme', 'globex', 'initech'].map((id) => ({
        id,
        name: id,
        plan: 'default',
        commsChannel: null,
      })),
      [],
    );
  });

  afterAll(async () => {
    await catalogDb?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const open = () =>
    openTargetSystem({
      dataDir: dir,
      allowDemo: true,
      schemaPattern: 'tenant_{id}',
      appRole: 'saas_app',
      catalog: new PgBackupCatalog(catalogDb.db),
    });

  it('starts once with three tenants and keeps their data, changes and routing across restarts', async () => {
    const first = await open();
    expect(first.demo).toBe(true);
    expect(first.description).toMatch(/^demo target/);
    const backup = await first.backup({ tenant: 'acme', kind: 'full' });
    expect(backup.tables.reduce((n, t) => n + t.rows, 0)).toBe(615);
    expect(backup.storage).toBe(`local:${path.join(dir, 'backups')}`);
    const chain = await first.chainFor('acme', 'latest');
    await first.restoreInto('acme', chain, 'tenant_acme__r1');
    await first.swap('acme', 'tenant_acme__r1');
    await first.close();

    const demo = await startDemoTarget(dir, { appRole: 'saas_app', schemaPattern: 'tenant_{id}' });
    try {
      await query(demo.connectionString, `DELETE FROM tenant_globex.events`);
    } finally {
      await demo.stop();
    }

    const second = await open();
    try {
      expect(await second.schemaOf('acme')).toBe('tenant_acme__r1');
      expect(await second.schemaOf('globex')).toBe('tenant_globex');
      const globex = await second.backup({ tenant: 'globex', kind: 'full' });
      expect(globex.tables.find((t) => t.name === 'events')?.rows).toBe(0);
      expect(globex.tables.find((t) => t.name === 'customers')?.rows).toBe(60);
    } finally {
      await second.close();
    }
  });
});
