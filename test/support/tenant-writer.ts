import { Client } from 'pg';

/** One write attempt of the SaaS, as it saw it. */
export interface WriteAttempt {
  start: number;
  end: number;
  outcome: 'ok' | 'refused' | 'error';
  /** The schema routing named, and the new row's id. */
  schema?: string;
  id?: string;
  error?: string;
}

/**
 * The SaaS writing for one tenant, as the app role: each write reads the routing pointer and
 * `read_only` (PRODUCT §8), then inserts into the routed schema, in one transaction. A write
 * refused by the flag or by a revoked grant is `refused`; anything else failing is `error`.
 */
export class TenantWriter {
  readonly attempts: WriteAttempt[] = [];
  private stopped = false;
  private loop?: Promise<void>;
  private client?: Client;

  constructor(
    private readonly url: string,
    private readonly appRole: string,
    private readonly tenant: string,
    /** The INSERT … RETURNING id into `schema` (quoted). */
    private readonly insert: (schema: string) => string,
  ) {}

  async start(pauseMs = 5): Promise<void> {
    this.client = new Client({ connectionString: this.url });
    await this.client.connect();
    this.loop = (async () => {
      while (!this.stopped) {
        await this.writeOnce();
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  }

  /** Resolves once `n` more writes went through (a positive signal the writer is past a point). */
  async waitForWrites(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.succeeded().length + n;
    const until = Date.now() + timeoutMs;
    while (this.succeeded().length < target) {
      if (Date.now() > until || this.stopped)
        throw new Error(`the writer did not get ${n} writes through (${this.summary()})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  succeeded(): WriteAttempt[] {
    return this.attempts.filter((a) => a.outcome === 'ok');
  }

  summary(): string {
    const by = (o: WriteAttempt['outcome']) => this.attempts.filter((a) => a.outcome === o).length;
    const last = this.attempts.filter((a) => a.outcome === 'error').at(-1);
    return `${by('ok')} ok, ${by('refused')} refused, ${by('error')} errors${last ? ` (last: ${last.error})` : ''}`;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await this.client?.end();
  }

  private async writeOnce(): Promise<void> {
    const c = this.client!;
    const a: WriteAttempt = { start: Date.now(), end: 0, outcome: 'error' };
    try {
      await c.query('BEGIN');
      await c.query(`SET LOCAL ROLE ${this.appRole}`);
      const { rows } = await c.query<{ schema_name: string; read_only: boolean | null }>(
        `SELECT r.schema_name, (SELECT read_only FROM tenantops_control.tenant_controls c WHERE c.tenant_id = r.tenant_id) AS read_only
         FROM tenantops_control.tenant_routing r WHERE r.tenant_id = $1`,
        [this.tenant],
      );
      const route = rows[0];
      if (!route) throw new Error(`no routing row for ${this.tenant}`);
      a.schema = route.schema_name;
      if (route.read_only) {
        a.outcome = 'refused';
        a.error = 'read_only';
        await c.query('ROLLBACK');
      } else {
        const r = await c.query<{ id: string }>(this.insert(`"${route.schema_name}"`));
        await c.query('COMMIT');
        a.outcome = 'ok';
        a.id = String(r.rows[0]?.id);
      }
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      a.outcome = code === '42501' ? 'refused' : 'error';
      a.error = `${code ?? ''} ${(err as Error).message}`;
    }
    a.end = Date.now();
    this.attempts.push(a);
  }
}
