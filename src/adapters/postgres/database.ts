import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { Scope } from '../../ports/incident-store';

export const APP_ROLE = 'tenantops_app';

/** Quotes a schema name for SQL; schema names come from config or tests, never from users. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function scopeSetting(scope: Scope): string {
  return scope === '*' ? '*' : scope.join(',');
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
    return this.transaction(async (client) => {
      // Transaction-local settings: safe on pooled and multiplexed (PGlite) connections alike.
      await client.query(
        `SELECT set_config('search_path', $1, true), set_config('role', $2, true), set_config('app.tenant_id', $3, true)`,
        [quoteIdent(this.schema), APP_ROLE, scopeSetting(scope)],
      );
      return fn(client);
    });
  }

  /** One transaction as the connecting (owner) user, for migrations and admin tasks. */
  async owner<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.transaction(async (client) => {
      await client.query(`SELECT set_config('search_path', $1, true)`, [quoteIdent(this.schema)]);
      return fn(client);
    });
  }

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
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

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
