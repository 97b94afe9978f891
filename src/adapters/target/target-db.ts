import { Pool, type PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** host:port/database of a connection string: what messages may show (never a password). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable TARGET_DATABASE_URL)';
  }
}

/**
 * The output settings every transaction pins, so COPY text (and its SHA-256) is the same
 * whichever server defaults or pooled session it runs on.
 */
const OUTPUT_SETTINGS: [string, string][] = [
  ['datestyle', 'ISO, MDY'],
  ['timezone', 'UTC'],
  ['intervalstyle', 'postgres'],
  ['extra_float_digits', '1'],
  ['bytea_output', 'hex'],
  ['statement_timeout', '0'],
];

export interface TxOptions {
  /** Transaction-local search_path (a schema, then pg_catalog). */
  searchPath?: string;
  isolation?: 'repeatable read';
  readOnly?: boolean;
  /** An exported snapshot (pg_export_snapshot) to share: parallel workers of one backup. */
  snapshot?: string;
}

export interface TargetCapabilities {
  /** PGlite over pglite-socket: one shared session, no COPY FROM STDIN, no exported snapshots. */
  pglite: boolean;
}

/**
 * Connections to the target. Settings are transaction-local (`set_config(..., true)`): on the
 * embedded demo target every socket connection shares PGlite's single session.
 */
export class TargetDb {
  readonly pool: Pool;
  readonly description: string;
  private caps?: Promise<TargetCapabilities>;

  constructor(url: string, max: number) {
    this.description = describeUrl(url);
    this.pool = new Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
    this.pool.on('error', () => undefined);
  }

  async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      throw new DomainError(
        'target_unreachable',
        `the target database ${this.description} is unreachable: ${(err as Error).message}`,
      );
    }
  }

  /** Runs `fn` in one transaction with the pinned settings; rolls back if it throws. */
  async tx<T>(fn: (c: PoolClient) => Promise<T>, opts: TxOptions = {}): Promise<T> {
    const client = await this.connect();
    let broken = false;
    try {
      await client.query(beginSql(opts));
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => (broken = true));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  capabilities(): Promise<TargetCapabilities> {
    this.caps ??= this.tx(async (c) => {
      const { rows } = await c.query<{ v: string }>('SELECT version() AS v');
      return { pglite: /PGlite/i.test(rows[0]?.v ?? '') };
    }).catch((err: unknown) => {
      this.caps = undefined;
      throw err;
    });
    return this.caps;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

/** BEGIN plus the pinned settings, in one round trip. */
export function beginSql(opts: TxOptions = {}): string {
  const mode = [
    opts.isolation === 'repeatable read' ? 'ISOLATION LEVEL REPEATABLE READ' : '',
    opts.readOnly ? 'READ ONLY' : '',
  ]
    .filter(Boolean)
    .join(' ');
  const settings = [...OUTPUT_SETTINGS];
  if (opts.searchPath) settings.push(['search_path', `${quoteIdent(opts.searchPath)}, pg_catalog`]);
  const sets = settings.map(([k, v]) => `set_config(${quoteLiteral(k)}, ${quoteLiteral(v)}, true)`);
  const snapshot = opts.snapshot ? ` SET TRANSACTION SNAPSHOT ${quoteLiteral(opts.snapshot)};` : '';
  return `BEGIN ${mode};${snapshot} SELECT ${sets.join(', ')}`;
}

/** Transaction-local search_path inside an open transaction. */
export async function setSearchPath(c: PoolClient, schema: string): Promise<void> {
  await c.query(`SELECT set_config('search_path', $1, true)`, [
    `${quoteIdent(schema)}, pg_catalog`,
  ]);
}
