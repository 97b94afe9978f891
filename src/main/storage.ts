import path from 'node:path';
import type { AppConfig } from '../config/load-config';
import { Database } from '../adapters/postgres/database';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../adapters/postgres/embedded-postgres';
import type { Logger } from '../adapters/logging/logger';

export interface Storage {
  db: Database;
  /** The URL BullMQ's Postgres backend uses when there is no REDIS_URL. */
  postgresUrl: string;
  kind: 'postgres' | 'embedded';
  close(): Promise<void>;
}

/** DATABASE_URL when set; else PGlite persisted under TENANTOPS_DATA_DIR, served on a local port. */
export async function openStorage(
  config: AppConfig,
  log: Logger,
  schema?: string,
): Promise<Storage> {
  const url = config.env.DATABASE_URL;
  if (url) {
    const db = new Database({ connectionString: url, schema, max: 10 });
    return { db, postgresUrl: url, kind: 'postgres', close: () => db.close() };
  }
  let embedded: EmbeddedPostgres | undefined = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    log: (msg) => log.debug({ dataDir: path.relative(process.cwd(), config.dataDir) }, msg),
  });
  log.info(
    { dataDir: config.dataDir },
    'using embedded Postgres (PGlite); set DATABASE_URL for production',
  );
  const db = new Database({ connectionString: embedded.connectionString, schema, max: 4 });
  return {
    db,
    postgresUrl: embedded.connectionString,
    kind: 'embedded',
    async close() {
      await db.close();
      await embedded?.stop();
      embedded = undefined;
    },
  };
}
