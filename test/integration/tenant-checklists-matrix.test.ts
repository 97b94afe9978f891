// The cross-tenant matrix for /tenant preflight, /tenant golive and their Confirm buttons: a
// person with a role on acme only, globex only, both, or none. Running a checklist needs a role
// on its tenant; confirming an item needs approver on it. Every refusal is a clear message and
// an audit row, and changes nothing.
import { ACTORS, type ActorName } from '../support/isolation-matrix';
import { ALL } from '../support/scopes';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { runbook, waitForRun } from '../support/runbook-stack';

jest.setTimeout(120_000);

const CONFIG = `
tenants:
  - { id: acme, name: Acme Corp, plan: enterprise }
  - { id: globex, name: Globex, plan: business }
  - { id: initech, name: Initech, plan: default }
slaPolicies:
  default:
    P1: { firstResponse: PT30M, updateEvery: PT60M }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ADMIN, tenant: '*', role: commander }
  - { user: U0ACME, tenant: acme, role: responder }
  - { user: U0ACME, tenant: acme, role: approver }
  - { user: U0GLOBEX, tenant: globex, role: responder }
  - { user: U0GLOBEX, tenant: globex, role: approver }
  - { user: U0BOTH, tenant: acme, role: approver }
  - { user: U0BOTH, tenant: globex, role: approver }
`;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ configYaml: CONFIG });
});

afterAll(async () => {
  await stack?.stop();
});

const text = (raw: string) => (JSON.parse(raw) as { text: string }).text;

async function tenantCmd(cmd: string, user: string): Promise<string> {
  return text(await (await stack.slash(cmd, { command: '/tenant', user })).reply());
}

function denials(user: string, action: string): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    Number(
      (
        await c.query<{ n: string }>(
          `SELECT count(*) AS n FROM audit_log WHERE actor = $1 AND action = $2 AND outcome = 'denied'`,
          [user, action],
        )
      ).rows[0]?.n,
    ),
  );
}

const ROWS: [ActorName, string, boolean][] = [
  ['acme', 'acme', true],
  ['acme', 'globex', false],
  ['globex', 'acme', false],
  ['globex', 'globex', true],
  ['both', 'acme', true],
  ['both', 'globex', true],
  ['none', 'acme', false],
  ['none', 'globex', false],
];

describe(`checklists across tenants (${storageUnderTest()})`, () => {
  it.each(ROWS)('%s runs preflight and golive on %s: allowed %s', async (actor, tenant, ok) => {
    const user = ACTORS[actor].user;
    for (const kind of ['preflight', 'golive']) {
      const before = await denials(user, 'checklist_run');
      const reply = await tenantCmd(`${kind} ${tenant}`, user);
      if (ok) {
        expect(reply).toMatch(new RegExp(`checklist #\\d+ for \\*${tenant}\\*`));
        expect(await denials(user, 'checklist_run')).toBe(before);
      } else {
        expect(reply).toContain(`You can't run checklists on this tenant: it needs`);
        expect(reply).toContain(`on ${tenant}`);
        expect(await denials(user, 'checklist_run')).toBe(before + 1);
      }
    }
  });

  it.each(ROWS)('%s confirms an item of a %s go-live: allowed %s', async (actor, tenant, ok) => {
    const user = ACTORS[actor].user;
    const ran = await tenantCmd(`golive ${tenant}`, 'U0ADMIN');
    const id = /Go-live checklist #(\d+)/.exec(ran)![1];
    const before = await denials(user, 'checklist_confirm');
    const reply = text(
      await (
        await stack.click('checklist_confirm:support_trained', `${id}:support_trained`, { user })
      ).reply(),
    );
    if (ok) {
      expect(reply).toContain('Confirmed.');
      expect(await denials(user, 'checklist_confirm')).toBe(before);
    } else {
      expect(reply).toMatch(/You can't confirm checklist items|doesn't exist or isn't on a tenant/);
      expect(await denials(user, 'checklist_confirm')).toBe(before + 1);
      const [row] = await stack.runtime.storage.db.scoped(
        ALL,
        async (c) =>
          (
            await c.query<{ items: { id: string; state: string }[] }>(
              'SELECT items FROM tenant_checklists WHERE id = $1',
              [id],
            )
          ).rows,
      );
      expect(row?.items.find((i) => i.id === 'support_trained')?.state).toBe('needs_confirmation');
    }
  });
});

describe('without VAULT_ADDR: the local keyring, labelled dev only wherever it shows', () => {
  it('rotates in the local keyring and says dev only in the run, /tenant status and go-live', async () => {
    const { run } = await runbook(stack, 'run tenant-key-rotate acme', 'U0ADMIN');
    const r = await waitForRun(stack, run!, (x) => ['completed', 'failed'].includes(x.state));
    expect(r.state).toBe('completed');
    expect(r.steps[0]?.output).toMatch(/created local keyring .*dev only/);
    expect(r.steps[1]?.output).toMatch(/dev only.* rotated: version 1 → 2/);
    const status = await tenantCmd('status acme', 'U0ADMIN');
    expect(status).toMatch(/Key: .*dev only.* version 2/);
    await tenantCmd('golive acme', 'U0ADMIN');
    await stack.emulator.waitFor(() =>
      stack.emulator
        .callsTo('chat.postMessage')
        .find((c) => /Go-live checklist #\d+ acme/.test(String(c.args.text))),
    );
    const msg = stack.emulator
      .callsTo('chat.postMessage')
      .filter((c) => /Go-live checklist #\d+ acme/.test(String(c.args.text)))
      .at(-1)!;
    expect(String(msg.args.text)).toContain('Tenant key in Vault, rotation scheduled: fail');
    expect(JSON.stringify(msg.args.blocks)).toContain('the local keyring is dev only');
  });
});
