// The README's console walk-through, run as a new user would: `npm start` with no services and
// no env vars, from a pipe. A backup of acme, damage, a restore with a second person's approval
// on the embedded demo target; then the demo target's data is read back to check it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startDemoTarget } from '../../src/adapters/target/demo-target';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');

function runConsole(input: string, dataDir: string): Promise<{ code: number | null; out: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TENANTOPS_DATA_DIR: dataDir,
    PORT: '0',
  };
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main/start.ts')], {
    cwd: ROOT,
    env,
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tenantops-rbconsole-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function demoRows(): Promise<{ schema: string; orders: number; zeroPrices: number }> {
  const demo = await startDemoTarget(dataDir, {
    appRole: 'saas_app',
    schemaPattern: 'tenant_{id}',
  });
  const c = new Client({ connectionString: demo.connectionString });
  await c.connect();
  try {
    const schema = (
      await c.query<{ s: string }>(
        `SELECT schema_name AS s FROM tenantops_control.tenant_routing WHERE tenant_id = 'acme'`,
      )
    ).rows[0]!.s;
    const orders = Number((await c.query(`SELECT count(*) AS n FROM ${schema}.orders`)).rows[0].n);
    const zeroPrices = Number(
      (await c.query(`SELECT count(*) AS n FROM ${schema}.products WHERE price_cents = 0`)).rows[0]
        .n,
    );
    return { schema, orders, zeroPrices };
  } finally {
    await c.end();
    await demo.stop();
  }
}

describe('runbooks in console mode on the demo target (README quick start)', () => {
  it('backs acme up, damages it, and restores it with a second person approving', async () => {
    const script = [
      '/runbook run tenant-backup acme',
      ':wait',
      ':damage acme',
      '/runbook run tenant-restore acme',
      ':wait',
      '/runbook approve RB-2', // the requester: refused
      ':as U0BOB',
      '/runbook approve RB-2',
      ':wait',
      ':as U0ALICE',
      '/tenant status acme',
    ].join('\n');
    const { code, out } = await runConsole(`${script}\n`, dataDir);
    expect({ code, tail: code === 0 ? '' : out.slice(-2000) }).toEqual({ code: 0, tail: '' });
    expect(out).toContain('RB-1 · tenant-backup · acme (demo target) · completed');
    expect(out).toMatch(/demo target: deleted \d+ orders/);
    expect(out).toContain('waiting for approval');
    expect(out).toContain('You started RB-2: a second person with the approver role on acme');
    expect(out).toContain('Approved RB-2');
    expect(out).toContain('RB-2 · tenant-restore · acme (demo target) · completed');
    expect(out).toMatch(/Newest backup: full `?acme-r1`?/);

    const after = await demoRows();
    expect(after.schema).toBe('tenant_acme__r2');
    expect(after.orders).toBe(150);
    expect(after.zeroPrices).toBe(0);
  });
});
