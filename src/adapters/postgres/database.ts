import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { isScope, type Scope } from '../../domain/tenants/scope';

export const APP_ROLE = 'tenantops_app';

/** Quotes a schema name for SQL; schema names come from config or tests, never from users. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A value `Database.statement` writes into its SQL as a literal. */
export type Literal = string | number | boolean | Date | null | readonly number[];

/**
 * `$n` placeholders of our own (static) SQL replaced by escaped literals, for the simple query
 * protocol, which can't bind parameters but can carry several statements in one round trip.
 */
export function inlineParams(
  sql: string,
  params: readonly Literal[],
  escape: (s: string) => string,
): string {
  return sql.replace(/\$(\d+)/g, (_, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new Error(`no parameter $${n}`);
    const v = params[index];
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new Error(`parameter $${n} is not a finite number`);
      return `(${String(v)})`;
    }
    if (typeof v === 'string') return escape(v);
    if (v instanceof Date) return escape(v.toISOString());
    if (!v.every((x) => Number.isFinite(x))) throw new Error(`parameter $${n}: not numbers`);
    return escape(`{${v.join(',')}}`);
  });
}

/** `app.tenant_id` for a scope; anything but a Scope built by its own constructors is refused. */
export function scopeSetting(scope: Scope): string {
  if (!isScope(scope))
    throw new TypeError('a database scope must be a Scope (Scope.of / Scope.platform)');
  return scope.setting();
}

/**
 * The pg pool plus the two ways in: `scoped` (as the non-owner app role, tenant set per
 * transaction, so row-level security filters every query) and `owner` (migrations only).
 */
export class Database {
  readonly pool: Pool;
  readonly schema: string;

  constructor(config: PoolConfig & { schema?: string }) {
    const { schema = 'public', ...poolConfig } = config;
    this.schema = schema;
    this.pool = new Pool({
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 30_000,
      max: 10,
      ...poolConfig,
    });
    // An idle client losing its server must not crash the process; the next checkout reconnects.
    this.pool.on('error', () => undefined);
  }

  /** One transaction as tenantops_app that sees only `scope`'s tenants. */
  async scoped<T>(scope: Scope, fn: (client: PoolClient) => Promise<T>): Promise<T> {
    // Transaction-local settings (safe on pooled and multiplexed PGlite connections alike), sent
    // with BEGIN in one round trip: a simple query can't bind parameters, so they are literals.
    return this.transaction((c) => `BEGIN; ${this.scopeSettings(c, scope)}`, fn);
  }

  /**
   * One statement as `scoped` runs it, in one round trip instead of three: BEGIN, the settings,
   * the statement (parameters written in as literals, see inlineParams) and COMMIT go together.
   */
  async statement<R extends QueryResultRow>(
    scope: Scope,
    sql: string,
    params: readonly Literal[] = [],
  ): Promise<R[]> {
    // The whole text is one transaction: if anything in it fails, it is rolled back.
    return this.inTransaction(async (client) => {
      const text =
        `BEGIN; ${this.scopeSettings(client, scope)}; ` +
        `${inlineParams(sql, params, (v) => client.escapeLiteral(v))}; COMMIT`;
      const results = (await client.query(text)) as unknown as { rows: R[] }[];
      return results[2]?.rows ?? [];
    });
  }

  /** One transaction as the connecting (owner) user, for migrations and admin tasks. */
  async owner<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(
      (c) =>
        `BEGIN; SELECT set_config('search_path', ${c.escapeLiteral(quoteIdent(this.schema))}, true)`,
      fn,
    );
  }

  private transaction<T>(
    begin: (client: PoolClient) => string,
    fn: (client: PoolClient) => Promise<T>,
  ): Promise<T> {
    return this.inTransaction(async (client) => {
      await client.query(begin(client));
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    });
  }

  /** Runs `work` on a pooled client that it leaves in a transaction; rolls back if it throws. */
  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      return await work(client);
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** The transaction-local settings of `scope`, as one SELECT of literals. */
  private scopeSettings(client: PoolClient, scope: Scope): string {
    return (
      `SELECT set_config('search_path', ${client.escapeLiteral(quoteIdent(this.schema))}, true), ` +
      `set_config('role', ${client.escapeLiteral(APP_ROLE)}, true), ` +
      `set_config('app.tenant_id', ${client.escapeLiteral(scopeSetting(scope))}, true)`
    );
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
