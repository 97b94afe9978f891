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

/** A Database of its own: a fresh schema on TEST_DATABASE_URL, else a fresh embedded Postgres. */
export async function openTestDatabase(): Promise<TestDatabase> {
  const real = process.env.TEST_DATABASE_URL;
  if (real) {
    const schema = `t_${randomUUID().replace(/-/g, '')}`;
    const made: Database[] = [];
    const another = () => {
      const d = new Database({ connectionString: real, schema });
      made.push(d);
      return d;
    };
    return {
      db: another(),
      another,
      async close() {
        await Promise.all(made.map((d) => d.close()));
        await dropSchema(real, schema);
      },
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-db-'));
  const embedded = await startEmbeddedPostgres({ dataDir: dir });
  const made: Database[] = [];
  const another = () => {
    const d = new Database({ connectionString: embedded.connectionString, max: 3 });
    made.push(d);
    return d;
  };
  return {
    db: another(),
    another,
    async close() {
      await Promise.all(made.map((d) => d.close()));
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
