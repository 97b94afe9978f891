import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { Pool, type PoolClient } from 'pg';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/adapters/postgres/embedded-postgres';
import { realPostgres } from '../support/services';

const real = realPostgres();

// Start-up runs initdb (~4 s) on the first open of a data dir.
jest.setTimeout(60_000);

let dataDir: string;
let embedded: EmbeddedPostgres;
let pool: Pool;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tenantops-pg-'));
  embedded = await startEmbeddedPostgres({ dataDir });
  pool = new Pool({ connectionString: embedded.connectionString, max: 10 });
});

afterAll(async () => {
  await pool?.end();
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>, commit = true) {
  await client.query('BEGIN');
  try {
    const result = await fn();
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

describe('embedded Postgres (PGlite over a socket)', () => {
  it('serves a connection string pg can use, with bullmq and public on the search path', async () => {
    expect(embedded.connectionString).toMatch(
      /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\?sslmode=disable$/,
    );
    const { rows } = await pool.query<{ path: string; version: string }>(
      `SELECT current_setting('search_path') AS path, version()`,
    );
    expect(rows[0]?.path).toBe('bullmq, public');
    expect(rows[0]?.version).toMatch(/PGlite/);
  });

  it('answers parameterized queries from several clients at once, large ones included', async () => {
    const big = 'x'.repeat(200_000);
    const results = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        // Large parameters span several TCP reads: the case that used to interleave batches.
        if (i % 10 === 0) {
          const { rows } = await pool.query<{ n: number; len: number }>(
            'SELECT $1::int AS n, length($2::text) AS len',
            [i, big],
          );
          return rows[0]?.n === i && rows[0]?.len === big.length;
        }
        const { rows } = await pool.query<{ n: number; s: string }>(
          'SELECT $1::text AS s, $2::int + 1 AS n, $3::text AS unused',
          [`s${i}`, i, 'x'],
        );
        return rows[0]?.n === i + 1 && rows[0]?.s === `s${i}`;
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    expect(pool.totalCount).toBeGreaterThan(1);
  });

  it('keeps concurrent transactions apart: one commits, one rolls back', async () => {
    await pool.query('CREATE TABLE public.tx_probe (who text NOT NULL)');
    const [a, b] = await Promise.all([pool.connect(), pool.connect()]);
    try {
      const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
      const seenInside = await Promise.all([
        inTransaction(a, async () => {
          await a.query(`INSERT INTO public.tx_probe VALUES ('a')`);
          await pause();
          const { rows } = await a.query<{ who: string }>('SELECT who FROM public.tx_probe');
          return rows.map((r) => r.who);
        }),
        inTransaction(
          b,
          async () => {
            await b.query(`INSERT INTO public.tx_probe VALUES ('b')`);
            await pause();
            const { rows } = await b.query<{ who: string }>('SELECT who FROM public.tx_probe');
            return rows.map((r) => r.who);
          },
          false,
        ),
      ]);
      // b's row never commits, so a never sees it; b may see a's (PGlite runs them one after
      // the other, since every connection shares its single session).
      expect(seenInside[0]).toEqual(['a']);
      expect(seenInside[1]).toContain('b');
    } finally {
      a.release();
      b.release();
    }
    const { rows } = await pool.query<{ who: string }>('SELECT who FROM public.tx_probe');
    expect(rows.map((r) => r.who)).toEqual(['a']);
  });

  it('filters a FORCE ROW LEVEL SECURITY table by tenant under SET LOCAL ROLE', async () => {
    await expectRowLevelSecurity(pool);
  });

  it('keeps its data across stop and start of the same data dir', async () => {
    await pool.query(
      `CREATE TABLE public.persisted (v text); INSERT INTO public.persisted VALUES ('kept')`,
    );
    await pool.end();
    await embedded.stop();
    embedded = await startEmbeddedPostgres({ dataDir });
    pool = new Pool({ connectionString: embedded.connectionString, max: 10 });
    const { rows } = await pool.query<{ v: string }>('SELECT v FROM public.persisted');
    expect(rows).toEqual([{ v: 'kept' }]);
  });

  it('refuses a data dir that is already open', async () => {
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/is in use by process/);
  });

  it('replaces a stale lock left by a process that is gone', async () => {
    const staleDir = await mkdtemp(path.join(tmpdir(), 'tenantops-pg-stale-'));
    const logs: string[] = [];
    try {
      // Above Linux's largest pid, so certainly not running.
      const lock = { pid: 2 ** 22 + 12345, hostname: hostname() };
      await writeFile(path.join(staleDir, 'pgdata.lock'), JSON.stringify(lock));
      const db = await startEmbeddedPostgres({ dataDir: staleDir, log: (m) => logs.push(m) });
      await db.stop();
      expect(logs.join('\n')).toMatch(/removing stale lock/);
    } finally {
      await rm(staleDir, { recursive: true, force: true });
    }
  });
});

real.describe(real.title('real Postgres 15 (TEST_DATABASE_URL)'), () => {
  it('filters a FORCE ROW LEVEL SECURITY table by tenant under SET LOCAL ROLE', async () => {
    const db = new Pool({ connectionString: real.url, max: 4 });
    try {
      await expectRowLevelSecurity(db);
    } finally {
      await db.end();
    }
  });
});

/** Owner and app roles, a FORCE RLS table, two tenants; cleans up its schema and roles. */
async function expectRowLevelSecurity(db: Pool): Promise<void> {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const [schema, owner, app] = [`rls_${id}`, `rls_owner_${id}`, `rls_app_${id}`];
  await db.query(`
    CREATE ROLE ${owner} NOLOGIN; CREATE ROLE ${app} NOLOGIN;
    CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.notes (tenant_id text NOT NULL, body text NOT NULL);
    INSERT INTO ${schema}.notes VALUES ('t1', 'one'), ('t2', 'two'), ('t1', 'uno');
    ALTER TABLE ${schema}.notes OWNER TO ${owner};
    ALTER TABLE ${schema}.notes ENABLE ROW LEVEL SECURITY;
    ALTER TABLE ${schema}.notes FORCE ROW LEVEL SECURITY;
    CREATE POLICY tenant_isolation ON ${schema}.notes
      USING (tenant_id = current_setting('app.tenant_id', true));
    GRANT USAGE ON SCHEMA ${schema} TO ${app};
    GRANT SELECT, INSERT ON ${schema}.notes TO ${app};`);
  const asTenant = async (tenant: string, fn: (c: PoolClient) => Promise<unknown>) => {
    const client = await db.connect();
    try {
      return await inTransaction(client, async () => {
        await client.query(`SET LOCAL ROLE ${app}`);
        await client.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant]);
        return fn(client);
      });
    } finally {
      client.release();
    }
  };
  const bodies = (tenant: string) =>
    asTenant(tenant, async (c) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const { rows } = await c.query<{ body: string }>(`SELECT body FROM ${schema}.notes`);
      return rows.map((r) => r.body).sort();
    });
  try {
    // Concurrent: on PGlite both share one session, so this checks settings stay transaction-local.
    const [t1, t2, none] = await Promise.all([bodies('t1'), bodies('t2'), bodies('')]);
    expect(t1).toEqual(['one', 'uno']);
    expect(t2).toEqual(['two']);
    expect(none).toEqual([]);
    await expect(
      asTenant('t1', (c) => c.query(`INSERT INTO ${schema}.notes VALUES ('t2', 'sneaky')`)),
    ).rejects.toThrow(/row-level security/);
    const { rows } = await db.query<{ who: string; tenant: string | null }>(
      `SELECT current_user AS who, current_setting('app.tenant_id', true) AS tenant`,
    );
    expect(rows[0]?.who).toBe('postgres');
    expect(rows[0]?.tenant ?? '').toBe('');
  } finally {
    await db.query(`DROP SCHEMA ${schema} CASCADE; DROP ROLE ${app}; DROP ROLE ${owner};`);
  }
}
