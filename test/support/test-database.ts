import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Database } from '../../src/adapters/postgres/database';
import { startEmbeddedPostgres } from '../../src/adapters/postgres/embedded-postgres';
import { dropSchema } from './stack';

export interface TestDatabase {
  db: Database;
  /** A second Database on the same schema (another "process"). */
  another(): Database;
  close(): Promise<void>;
}

/** Databases made on one server; closing ends them all, then runs the server's cleanup. */
function databasesOn(
  config: ConstructorParameters<typeof Database>[0],
  cleanup: () => Promise<void>,
): TestDatabase {
  const made: Database[] = [];
  const another = () => {
    const d = new Database(config);
    made.push(d);
    return d;
  };
  return {
    db: another(),
    another,
    async close() {
      await Promise.all(made.map((d) => d.close()));
      await cleanup();
    },
  };
}

/** A Database of its own: a fresh schema on TEST_DATABASE_URL, else a fresh embedded Postgres. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const real = process.env.TEST_DATABASE_URL;
  if (real) {
    const schema = `t_${randomUUID().replace(/-/g, '')}`;
    return databasesOn({ connectionString: real, schema }, () => dropSchema(real, schema));
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-db-'));
  const embedded = await startEmbeddedPostgres({ dataDir: dir });
  return databasesOn({ connectionString: embedded.connectionString, max: 3 }, async () => {
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  });
}
