import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { quoteIdent, type Database } from './database';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same for every tenantops process.
const ADVISORY_LOCK_KEY = 7_412_093_001;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

export class SchemaTooNewError extends Error {
  constructor(dbVersion: number, codeVersion: number) {
    super(
      `Database schema is at version ${dbVersion} but this tenantops only knows ${codeVersion}: deploy the newer code (refusing to run).`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/**
 * Applies pending migrations in order, each in the same transaction as its ledger row, under
 * a transaction-level advisory lock so concurrent `release` processes apply each once.
 * Refuses when the database is newer than the code. Returns the versions applied.
 */
export async function migrate(db: Database, migrations = loadMigrations()): Promise<number[]> {
  return db.owner(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db.schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS tenantops_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string; name: string }>(
      'SELECT version, checksum, name FROM tenantops_migrations ORDER BY version',
    );
    const latest = migrations.at(-1)?.version ?? 0;
    const dbLatest = rows.at(-1)?.version ?? 0;
    if (dbLatest > latest) throw new SchemaTooNewError(dbLatest, latest);
    for (const row of rows) {
      const known = migrations.find((m) => m.version === row.version);
      if (known && known.checksum !== row.checksum) {
        throw new Error(
          `Migration ${row.name} was changed after it was applied; migrations are append-only.`,
        );
      }
    }
    const applied: number[] = [];
    for (const m of migrations.filter((x) => x.version > dbLatest)) {
      await client.query(m.sql);
      await client.query(
        'INSERT INTO tenantops_migrations (version, name, checksum) VALUES ($1, $2, $3)',
        [m.version, m.name, m.checksum],
      );
      applied.push(m.version);
    }
    return applied;
  });
}

/** Throws unless the database is exactly at the code's version (for `web`/`worker` in production). */
export async function assertMigrated(db: Database, migrations = loadMigrations()): Promise<void> {
  const latest = migrations.at(-1)?.version ?? 0;
  const dbLatest = await db.owner(async (client) => {
    const exists = await client.query(`SELECT to_regclass('tenantops_migrations') AS t`);
    if (!(exists.rows[0] as { t: string | null }).t) return 0;
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM tenantops_migrations',
    );
    return rows[0]?.v ?? 0;
  });
  if (dbLatest > latest) throw new SchemaTooNewError(dbLatest, latest);
  if (dbLatest < latest) {
    throw new Error(
      `Database schema is at version ${dbLatest}, code needs ${latest}: run the release process (npm run migrate).`,
    );
  }
}
