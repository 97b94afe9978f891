// Cross-tenant rows for the incident runbooks: people with a role on acme only, globex only,
// both or none run tenant-throttle / tenant-leak-response / tenant-corruption and roll a
// throttle back. A refusal is said, audited, and changes nothing on either tenant's controls.
import { Client } from 'pg';
import type { Stack } from '../support/stack';
import { storageUnderTest } from '../support/stack';
import { ACTORS, MATRIX_CONFIG, type ActorName } from '../support/isolation-matrix';
import {
  openTestTarget,
  runbook,
  startRunbookStack,
  waitForRun,
  type TestTarget,
} from '../support/runbook-stack';
import { ALL } from '../support/scopes';

jest.setTimeout(240_000);

let target: TestTarget;
let stack: Stack;

beforeAll(async () => {
  target = await openTestTarget();
  stack = await startRunbookStack(target, {
    configYaml: `${MATRIX_CONFIG('thread')}
target: { schemaPattern: 'tenant_{id}', appRole: ${target.appRole} }
runbooks: { stepLease: PT3S }
`,
  });
});

afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

const TENANTS = ['acme', 'globex'] as const;
type Tenant = (typeof TENANTS)[number];

const done = (r: { state: string }) =>
  ['completed', 'failed', 'cancelled', 'rolled_back'].includes(r.state);

/** Both tenants' controls, as the SaaS's app role reads them. */
async function controls(): Promise<unknown[]> {
  const c = new Client({ connectionString: target.url });
  await c.connect();
  try {
    await c.query('BEGIN');
    await c.query(`SET LOCAL ROLE ${target.appRole}`);
    const r = await c.query(
      `SELECT tenant_id, read_only, rate_limit_rpm, pool, blocked_endpoints
       FROM tenantops_control.tenant_controls WHERE tenant_id IN ('acme', 'globex') ORDER BY tenant_id`,
    );
    await c.query('ROLLBACK');
    return r.rows;
  } finally {
    await c.end();
  }
}

async function denials(user: string): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) => {
    const r = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE actor = $1 AND outcome = 'denied'`,
      [user],
    );
    return Number(r.rows[0]?.n ?? 0);
  });
}

const COMMANDS: Record<string, (tenant: Tenant) => string> = {
  throttle: (t) => `run tenant-throttle ${t} rpm=50`,
  leak: (t) => `run tenant-leak-response ${t} endpoint=/api/v1/export --dry-run`,
  corruption: (t) => `run tenant-corruption ${t} --dry-run`,
};

const ROWS = (Object.keys(ACTORS) as ActorName[]).flatMap((actor) =>
  TENANTS.flatMap((tenant) =>
    Object.keys(COMMANDS).map((command) => ({
      actor,
      tenant,
      command,
      allowed: (ACTORS[actor].tenants as readonly string[]).includes(tenant),
    })),
  ),
);

describe(`incident runbooks across tenants (${storageUnderTest()})`, () => {
  beforeAll(async () => {
    // Both tenants have a controls row, so "unchanged" compares real rows.
    for (const t of TENANTS) {
      const { run } = await runbook(stack, `run tenant-throttle ${t} rpm=9`, 'U0ADMIN');
      await waitForRun(stack, run!, done);
      await runbook(stack, `rollback RB-${run}`, 'U0ADMIN');
      await waitForRun(stack, run!, (r) => r.state === 'rolled_back');
    }
  });

  it.each(ROWS)(
    '$actor runs $command on $tenant: allowed=$allowed',
    async ({ actor, tenant, command, allowed }) => {
      const user = ACTORS[actor].user;
      const before = await controls();
      const deniedBefore = await denials(user);
      const { reply, run } = await runbook(stack, COMMANDS[command]!(tenant), user);
      if (!allowed) {
        expect(reply).toMatch(/You can't run runbooks: it needs commander or responder on/);
        expect(run).toBeUndefined();
        expect(await denials(user)).toBe(deniedBefore + 1);
        expect(await controls()).toEqual(before);
        return;
      }
      expect(run).toBeDefined();
      const r = await waitForRun(stack, run!, done);
      expect(r.state).toBe('completed');
      if (command === 'throttle') {
        // Only this tenant's row moved; rolled back so the next row starts clean.
        const other = TENANTS.find((t) => t !== tenant);
        const after = (await controls()) as { tenant_id: string; rate_limit_rpm: number }[];
        expect(after.find((c) => c.tenant_id === tenant)?.rate_limit_rpm).toBe(50);
        expect(after.find((c) => c.tenant_id === other)).toEqual(
          (before as { tenant_id: string }[]).find((c) => c.tenant_id === other),
        );
        await runbook(stack, `rollback RB-${run}`, user);
        await waitForRun(stack, run!, (x) => x.state === 'rolled_back');
      }
      expect(await controls()).toEqual(before);
    },
  );

  it.each((Object.keys(ACTORS) as ActorName[]).flatMap((actor) => TENANTS.map((t) => [actor, t])))(
    '%s rolls back a throttle of %s only with a role there',
    async (actor, tenant) => {
      const { run } = await runbook(stack, `run tenant-throttle ${tenant} rpm=77`, 'U0ADMIN');
      await waitForRun(stack, run!, done);
      const user = ACTORS[actor].user;
      const allowed = (ACTORS[actor].tenants as readonly string[]).includes(tenant);
      const before = await controls();
      const deniedBefore = await denials(user);
      const { reply } = await runbook(stack, `rollback RB-${run}`, user);
      if (allowed) {
        expect(reply).toContain('Rolling back');
        await waitForRun(stack, run!, (r) => r.state === 'rolled_back');
      } else {
        expect(reply).toMatch(/doesn't exist or isn't on a tenant you have a role for/);
        expect(await denials(user)).toBe(deniedBefore + 1);
        expect(await controls()).toEqual(before);
        await runbook(stack, `rollback RB-${run}`, 'U0ADMIN');
        await waitForRun(stack, run!, (r) => r.state === 'rolled_back');
      }
    },
  );
});
