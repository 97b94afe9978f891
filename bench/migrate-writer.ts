// The SaaS writing for one tenant during bench:migrate, in its own process so the migration's
// work in the benchmark's event loop cannot slow it: RATE inserts a second into orders, as the
// app role, each reading the routing pointer and read_only first (PRODUCT §8). On "stop" (a
// line on stdin) it prints every attempt as JSON and exits.
// Arguments: <target url> <app role> <tenant> <rate per second> <customers>
import { Client } from 'pg';

interface Attempt {
  start: number;
  end: number;
  outcome: 'ok' | 'refused' | 'error';
  schema?: string;
  id?: string;
  error?: string;
}

const [url, role, tenant, rateText, customersText] = process.argv.slice(2);
const rate = Number(rateText);
const customers = Number(customersText);

async function main(): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const attempts: Attempt[] = [];
  let stopped = false;
  process.stdin.on('data', () => (stopped = true));
  process.stdout.write('ready\n');
  let next = Date.now();
  while (!stopped) {
    attempts.push(await writeOnce(c));
    next += 1000 / rate;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await c.end();
  // stdin stays open: exit once the attempts are written out.
  process.stdout.write(`${JSON.stringify(attempts)}\n`, () => process.exit(0));
}

async function writeOnce(c: Client): Promise<Attempt> {
  const a: Attempt = { start: Date.now(), end: 0, outcome: 'error' };
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL ROLE ${role}`);
    const { rows } = await c.query<{ schema_name: string; read_only: boolean | null }>(
      `SELECT r.schema_name, (SELECT read_only FROM tenantops_control.tenant_controls c
                              WHERE c.tenant_id = r.tenant_id) AS read_only
       FROM tenantops_control.tenant_routing r WHERE r.tenant_id = $1`,
      [tenant],
    );
    const route = rows[0];
    if (!route) throw new Error(`no routing row for ${tenant}`);
    a.schema = route.schema_name;
    if (route.read_only) {
      a.outcome = 'refused';
      a.error = 'read_only';
      await c.query('ROLLBACK');
    } else {
      const r = await c.query<{ id: string }>(
        `INSERT INTO "${route.schema_name}".orders (customer_id, status, total, placed_at)
         VALUES ($1, 'pending', 19.99, now()) RETURNING id`,
        [1 + Math.floor(Math.random() * customers)],
      );
      await c.query('COMMIT');
      a.outcome = 'ok';
      a.id = r.rows[0]?.id;
    }
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    const code = (err as { code?: string }).code;
    a.outcome = code === '42501' ? 'refused' : 'error';
    a.error = `${code ?? ''} ${(err as Error).message}`;
  }
  a.end = Date.now();
  return a;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
