import { DatabaseError, Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';
import { isScope, type Scope } from '../../domain/tenants/scope';

export const APP_ROLE = 'tenantops_app';

/** Quotes a schema name for SQL; schema names come from config or tests, never from users. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A value `Database.statement` writes into its SQL as a literal. */
export type Literal =
  | string
  | number
  | boolean
  | Date
  | null
  | readonly number[]
  | readonly (string | null)[]
  | Readonly<Record<string, unknown>>;

/**
 * What a transaction's queries need of a connection: a pooled client, or `Database.reader`'s
 * one-round-trip reads. Stores' transaction classes take this, so the same methods serve both.
 */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A Postgres array literal's text: `{1,2}`, or `{"a","b\\"c"}` (quotes and backslashes escaped). */
function arrayText(v: readonly (string | number | null)[], n: string): string {
  const items = v.map((x) => {
    if (x === null) return 'NULL';
    if (typeof x === 'number') {
      if (!Number.isFinite(x)) throw new Error(`parameter $${n}: not numbers`);
      return String(x);
    }
    if (typeof x !== 'string') throw new Error(`parameter $${n}: not numbers or strings`);
    return `"${x.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  });
  return `{${items.join(',')}}`;
}

/**
 * A string as an SQL literal, for `inlineParams`. Text without quotes or backslashes is written
 * as is ('…'); any other text is dollar-quoted with a tag it does not contain ($q$…$q$), so
 * nothing is copied to escape it (a large JSON body costs one scan). Both forms mean the same
 * whatever `standard_conforming_strings` says.
 */
export function quoteLiteral(s: string): string {
  if (!s.includes("'") && !s.includes('\\')) return `'${s}'`;
  // `s$` must not hold `$tag$`: that would end the literal early (also when s ends in `$tag`).
  const end = `${s}$`;
  let tag = 'q';
  for (let n = 0; end.includes(`$${tag}$`); n++) tag = `q${n}`;
  return `$${tag}$${s}$${tag}$`;
}

/** The text without trailing whitespace and semicolons (a statement's own end). */
function withoutEnd(sql: string): string {
  let end = sql.length;
  for (; end > 0; end--) {
    const c = sql.charCodeAt(end - 1);
    if (c !== 59 && c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
  }
  return end === sql.length ? sql : sql.slice(0, end);
}

/**
 * `$n` placeholders of our own (static) SQL replaced by escaped literals, for the simple query
 * protocol, which can't bind parameters but can carry several statements in one round trip.
 */
export function inlineParams(
  sql: string,
  params: readonly unknown[],
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
    if (Array.isArray(v)) return escape(arrayText(v as (string | number | null)[], n));
    // A plain object is JSON, as pg sends it on the extended protocol.
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype)
      return escape(JSON.stringify(v));
    throw new Error(`parameter $${n}: cannot be written as a literal`);
  });
}

/** A round trip carries at most this many statements (a storm makes several trips). */
const MAX_PER_TRIP = 32;

interface TripQuery {
  scope: Scope;
  setting: string;
  sql: string;
  settle: (rows: QueryResultRow[], err?: Error) => void;
}

interface TripBatch {
  /** Reads only (`BEGIN READ ONLY`): a write in one of them fails. */
  readOnly: boolean;
  queries: TripQuery[];
}

/**
 * Postgres reported the error, so the transaction it was in was rolled back and nothing in the
 * text after it ran (a lost connection, say, leaves that unknown).
 */
function rolledBack(err: unknown): boolean {
  return err instanceof DatabaseError;
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
   * Statements issued in the same turn of the event loop in the same scope (from any caller)
   * share that round trip and its transaction: `BEGIN; settings; s1; s2; …; COMMIT`. If one
   * fails, Postgres has rolled the whole text back and each is sent again alone, so each still
   * commits or fails by itself; a statement never sees another's uncommitted failure. What the
   * text holds must be ONE statement (a second one would be committed with the batch, and the
   * batch is then refused to every caller: "… was not one statement").
   */
  async statement<R extends QueryResultRow>(
    scope: Scope,
    sql: string,
    params: readonly Literal[] = [],
    opts: { readOnly?: boolean } = {},
  ): Promise<R[]> {
    const setting = scopeSetting(scope);
    const text = inlineParams(withoutEnd(sql), params, quoteLiteral);
    return (await this.enqueue(scope, setting, opts.readOnly ?? false, text)) as R[];
  }

  /**
   * Reads in `scope` for a store's transaction class: read-only (a write fails), and no snapshot
   * is promised across queries (two of them may see the database at two instants). Queries
   * issued together (in one turn of the event loop, from any caller, in any scope) go to
   * Postgres as one text in one round trip: `BEGIN READ ONLY; settings A; q1; q2; settings B; q3;
   * COMMIT` (each query after its own scope's settings), each query ended on a line of its own,
   * so a trailing `--` comment in one ends with its line.
   * Queries may be issued concurrently (`Promise.all`).
   */
  reader(scope: Scope): Queryable {
    const setting = scopeSetting(scope); // a bad scope is refused now, not at the first query
    return {
      query: async <R extends QueryResultRow>(text: string, values: unknown[] = []) => {
        const sql = inlineParams(withoutEnd(text), values, quoteLiteral);
        const rows = (await this.enqueue(scope, setting, true, sql)) as R[];
        return { rows, rowCount: rows.length };
      },
    };
  }

  /**
   * Waiting statements for this turn of the event loop: reads in one batch whatever their scope
   * (each runs after its own scope's settings), statements by scope setting.
   */
  private readonly trips = new Map<string, TripBatch>();

  private enqueue(
    scope: Scope,
    setting: string,
    readOnly: boolean,
    sql: string,
  ): Promise<QueryResultRow[]> {
    return new Promise((resolve, reject) => {
      const key = readOnly ? 'r' : `w:${setting}`;
      let batch = this.trips.get(key);
      if (!batch || batch.queries.length >= MAX_PER_TRIP) {
        batch = { readOnly, queries: [] };
        this.trips.set(key, batch);
        const started = batch;
        setImmediate(() => {
          if (this.trips.get(key) === started) this.trips.delete(key);
          void this.send(started);
        });
      }
      batch.queries.push({
        scope,
        setting,
        sql,
        settle: (rows, err) => (err ? reject(err) : resolve(rows)),
      });
    });
  }

  /**
   * One round trip for a batch. If Postgres refused any statement, nothing in it was committed:
   * each is sent again alone (only the bad one fails). Any other failure (a lost connection)
   * fails them all: whether the text committed is unknown, so nothing is sent twice.
   */
  private async send(batch: TripBatch): Promise<void> {
    const { readOnly, queries } = batch;
    // Same-scope queries run together, each group after its scope's settings (set_config is
    // transaction-local, so each group's replaces the last); a query's result is found by index.
    const order = [...queries].sort((a, b) =>
      a.setting < b.setting ? -1 : a.setting > b.setting ? 1 : 0,
    );
    try {
      const { results, at } = await this.inTransaction(async (client) => {
        let text = `BEGIN${readOnly ? ' READ ONLY' : ''};\n`;
        let n = 1;
        let last: string | undefined;
        const index: number[] = [];
        for (const q of order) {
          if (q.setting !== last) {
            text += `${this.scopeSettings(client, q.scope)};\n`;
            last = q.setting;
            n++;
          }
          text += `${q.sql}\n;\n`;
          index.push(n++);
        }
        const out = (await client.query(`${text}COMMIT`)) as unknown as {
          rows: QueryResultRow[];
        }[];
        // One result per statement; a text that was two statements would shift the rest.
        if (out.length !== n + 1)
          throw new Error(
            `a ${readOnly ? 'read' : 'statement'} was not one statement${readOnly ? '' : ' (its batch was committed)'}`,
          );
        return { results: out, at: index };
      });
      order.forEach((q, i) => q.settle(results[at[i] as number]?.rows ?? []));
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // Reads change nothing: sending them again alone is always safe.
      if (queries.length > 1 && (readOnly || rolledBack(err))) {
        for (const q of queries) void this.send({ readOnly, queries: [q] });
        return;
      }
      for (const q of queries) q.settle([], error);
    }
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
