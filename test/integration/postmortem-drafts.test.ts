import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { declare, query, run, waitForMessage } from '../support/sla-helpers';
import {
  ACME_TOKEN,
  draftFiles,
  getDraft,
  INITECH_TOKEN,
  OPS_TOKEN,
  postDraft,
  postmortemConfig,
  versions,
} from '../support/postmortem-helpers';

jest.setTimeout(90_000);

let stack: Stack;
let dir: string;
let templateFile: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pm-it-'));
  templateFile = path.join(dir, 'postmortem.md.hbs');
  await writeFile(
    templateFile,
    await readFile(path.resolve(__dirname, '../../templates/postmortem.md.hbs'), 'utf8'),
  );
  stack = await startStack({ configYaml: postmortemConfig(templateFile) });
});

afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function deniedAudits(action: string): Promise<number> {
  const rows = await query<{ n: string }>(
    stack,
    `SELECT count(*) AS n FROM audit_log WHERE outcome = 'denied' AND action = $1`,
    [action],
  );
  return Number(rows[0]?.n);
}

describe(`post-mortem drafts and customer drafts (${storageUnderTest()} storage)`, () => {
  let inc: { n: number; channel: string };

  it('drafts a customer update to the comms channel; only comms approves it, and it is recorded as sent', async () => {
    inc = await declare(stack, 'P1 acme,globex Checkout down, reported by jane.doe@example.com');
    await waitForMessage(stack, inc.channel, /SLA breach/);
    await run(
      stack,
      `update INC-${inc.n} tenant=acme Failing over; customer called +34 612 345 678`,
      'U0CAROL',
    );
    const draft = await stack.emulator.waitFor(
      () => stack.emulator.messagesIn('C0ACMECOMM')[0],
      8000,
    );
    expect(draft.text).toContain('Customer update draft');
    expect(draft.text).toContain('Acme Corp — service update');
    expect(draft.text).toContain('***-**78');
    expect(draft.text).not.toContain('612 345 678');
    expect(draft.text).not.toMatch(/globex/i);
    const id = String(/"value":"(\d+)"/.exec(JSON.stringify(draft.blocks))?.[1]);

    // Someone without a role on acme doesn't even see the draft (row-level security).
    const hidden = await (
      await stack.click('customer_message_approve', id, { user: 'U0DAVE' })
    ).reply();
    expect(hidden).toContain('not on your tenants');
    const before = await deniedAudits('approve_update');
    const refused = await (
      await stack.click('customer_message_approve', id, { user: 'U0ERIN' })
    ).reply();
    expect(refused).toContain('needs commander or comms on acme');
    expect(await deniedAudits('approve_update')).toBe(before + 1);

    const ok = await (
      await stack.click('customer_message_approve', id, { user: 'U0CAROL' })
    ).reply();
    expect(ok).toContain('Recorded as sent to acme');
    const [row] = await query<{ status: string; sent_by: string; sent_at: Date }>(
      stack,
      'SELECT status, sent_by, sent_at FROM customer_messages WHERE id = $1',
      [Number(id)],
    );
    expect(row).toMatchObject({ status: 'sent', sent_by: 'U0CAROL' });
    await stack.emulator.waitFor(() =>
      stack.emulator
        .messagesIn('C0ACMECOMM')
        .find((m) => m.edited && /Approved and sent/.test(m.text)),
    );
  });

  it('shares the draft at resolve as a file whose SLA table shows the breaches with their times', async () => {
    await run(stack, `update INC-${inc.n} tenant=globex Failover done for globex`);
    await run(stack, `resolve INC-${inc.n} Failed over to the secondary provider`);
    const file = await stack.emulator.waitFor(() => draftFiles(stack, inc.channel)[0], 15000);
    expect(stack.emulator.callsTo('files.getUploadURLExternal').length).toBeGreaterThan(0);
    expect(file.filename).toBe(`inc-${inc.n}-postmortem-v1.md`);
    expect(file.comment).toMatch(
      /Post-mortem draft v1 of \*INC-\d+\*\. Due \w+day \d{4}-\d\d-\d\d/,
    );
    const md = file.content;
    for (const tenant of ['Acme Corp', 'Globex']) expect(md).toContain(`### ${tenant}`);
    expect(md).toMatch(
      /First response: target 3s, due [\d-]+ [\d:]+ \+01:00, actual [\d-]+ [\d:]+ \+01:00 — \*\*BREACHED\*\*/,
    );
    expect(md).toMatch(
      /\| first response \| [\d-]+ [\d:]+ \+01:00 \| [\d-]+ [\d:]+ \+01:00 \| [\d-]+ [\d:]+ \+01:00 \|/,
    );
    expect(md).toMatch(/Customer messages sent: customer update at .* by @U0CAROL/);
    expect(md).not.toContain('jane.doe@example.com');
    expect(md).not.toContain('612 345 678');
    expect(md).toContain('## Timeline (Europe/Madrid)');
    const [clock] = await query<{ due_at: Date }>(
      stack,
      `SELECT due_at FROM sla_clocks WHERE incident_id = $1 AND kind = 'postmortem'`,
      [inc.n],
    );
    expect(clock?.due_at).toBeInstanceOf(Date);
  });

  it('serves the draft to the right token, a tenant version to a tenant token, and nothing to others', async () => {
    expect((await getDraft(stack, inc.n)).status).toBe(401);
    expect((await getDraft(stack, inc.n, 'wrong-token-0123456789')).status).toBe(401);
    const full = await getDraft(stack, inc.n, OPS_TOKEN);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toContain('text/markdown');
    const fullText = await full.text();
    expect(fullText).toBe(draftFiles(stack, inc.channel)[0]?.content);

    const tenant = await getDraft(stack, inc.n, ACME_TOKEN);
    expect(tenant.status).toBe(200);
    const acme = await tenant.text();
    expect(acme).toContain('### Acme Corp');
    expect(acme).toContain('This version covers only acme');
    expect(acme).not.toMatch(/globex/i);

    const other = await getDraft(stack, inc.n, INITECH_TOKEN);
    expect(other.status).toBe(404);
    const missing = await getDraft(stack, 999999, OPS_TOKEN);
    expect(missing.status).toBe(404);
    expect(await other.json()).toEqual(await missing.json());
  });

  it("gives someone with a role on one tenant that tenant's version in Slack", async () => {
    const reply = await run(stack, `postmortem INC-${inc.n}`, 'U0DAVE');
    expect(reply).toContain('### Globex');
    expect(reply).not.toMatch(/acme/i);
  });

  it('marks the post-mortem done only for the commander of every tenant; its reminders stop', async () => {
    const before = await deniedAudits('finish_postmortem');
    const refused = await run(stack, `postmortem INC-${inc.n} done`, 'U0CAROL');
    expect(refused).toContain('needs commander on');
    expect(await deniedAudits('finish_postmortem')).toBe(before + 1);
    expect(await run(stack, `postmortem INC-${inc.n} done`)).toContain('marked done');
    const [clock] = await query<{ state: string }>(
      stack,
      `SELECT state FROM sla_clocks WHERE incident_id = $1 AND kind = 'postmortem'`,
      [inc.n],
    );
    expect(clock?.state).toBe('met');
    expect(await run(stack, `status INC-${inc.n}`)).toContain('done');
    expect(await run(stack, `postmortem INC-${inc.n} done`)).toContain('already marked done');
  });

  it('shows an overdue post-mortem in /incident list', async () => {
    const late = await declare(stack, 'P1 initech Reports are slow');
    await run(stack, `resolve INC-${late.n} Added an index`);
    await stack.emulator.waitFor(() => draftFiles(stack, late.channel)[0], 15000);
    // The due date is 5 business days away: move it into the past (test setup, not the system).
    await query(
      stack,
      `UPDATE sla_clocks SET due_at = now() - interval '1 day' WHERE incident_id = $1 AND kind = 'postmortem' RETURNING id`,
      [late.n],
    );
    const list = await run(stack, 'list');
    expect(list).toContain('Post-mortems overdue');
    expect(list).toContain(`INC-${late.n}`);
    expect(list).not.toContain(`*INC-${inc.n}* post-mortem`);
  });
});

describe(`people's edits (${storageUnderTest()} storage)`, () => {
  it('keeps an uploaded edit when the draft is regenerated with new facts, and lists what is new', async () => {
    const inc = await declare(stack, 'P1 acme Search is down');
    const interim = await run(stack, `postmortem INC-${inc.n}`);
    expect(interim).toContain('*Interim* post-mortem draft');
    const file = await stack.emulator.waitFor(() => draftFiles(stack, inc.channel)[0], 15000);
    expect(file.content).toContain('**INTERIM DRAFT**');
    const v1 = await (await getDraft(stack, inc.n, OPS_TOKEN)).text();
    const edited = v1.replace(
      /<!-- people:root_cause -->\n.*\n<!-- \/people:root_cause -->/,
      '<!-- people:root_cause -->\nA missing index on the orders table.\n<!-- /people:root_cause -->',
    );
    const stored = await postDraft(stack, inc.n, edited);
    expect(stored.status).toBe(201);
    expect(await stored.json()).toMatchObject({ version: 2 });

    // An edit based on v1 after v2 changed the sections would overwrite it: refused.
    const stale = v1.replace('_To be written: What made this happen?_', 'Something else');
    const conflict = await postDraft(stack, inc.n, stale);
    expect(conflict.status).toBe(409);

    stack.emulator.failNext('upload_url', { status: 503 });
    await run(stack, `resolve INC-${inc.n} Index added`);
    const v3 = await stack.emulator.waitFor(
      () => draftFiles(stack, inc.channel).find((f) => f.filename.endsWith('-v3.md')),
      20000,
    );
    expect(v3.content).toContain('A missing index on the orders table.');
    expect(v3.content).toContain('## What is new since the previous version');
    expect(v3.content).toContain('The incident is now resolved');
    expect(v3.content).not.toContain('INTERIM');
    expect((await versions(stack, inc.n)).map((v) => v.source)).toEqual([
      'generated',
      'uploaded',
      'generated',
    ]);
    expect(await (await getDraft(stack, inc.n, OPS_TOKEN)).text()).toBe(v3.content);
  });

  it('refuses bad uploads with a clear error and stores nothing', async () => {
    const inc = await declare(stack, 'P1 acme Uploads');
    await run(stack, `postmortem INC-${inc.n}`);
    const md = await (await getDraft(stack, inc.n, OPS_TOKEN)).text();
    const cases: [Promise<Response>, number, string][] = [
      [postDraft(stack, inc.n, '{"a":1}', { type: 'application/json' }), 400, 'not_markdown'],
      [
        postDraft(stack, inc.n, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), {
          type: 'text/markdown',
        }),
        400,
        'not_markdown',
      ],
      [postDraft(stack, inc.n, `${md}\n${'x'.repeat(1024 * 1024)}`), 413, 'payload_too_large'],
      [postDraft(stack, inc.n, '# My own post-mortem\n\nNo markers.'), 400, 'invalid_draft'],
      [
        postDraft(stack, inc.n, md.replace(`INC-${inc.n} v1`, 'INC-99999 v1')),
        400,
        'invalid_draft',
      ],
      [postDraft(stack, inc.n, md, { token: INITECH_TOKEN }), 404, 'not_found'],
      [postDraft(stack, inc.n, md, { token: 'nope-0123456789abcdef' }), 401, 'unauthorized'],
    ];
    for (const [res, status, error] of cases) {
      const r = await res;
      expect({ status: r.status, error: ((await r.json()) as { error: string }).error }).toEqual({
        status,
        error,
      });
    }
    expect(await versions(stack, inc.n)).toEqual([{ version: 1, source: 'generated' }]);
  });

  it('names the line of a template syntax error at /incident postmortem and keeps the last good template', async () => {
    const good = await readFile(templateFile, 'utf8');
    const inc = await declare(stack, 'P1 acme Template check');
    await writeFile(templateFile, `${good}\n{{#each timeline}}\n`);
    try {
      const reply = await run(stack, `postmortem INC-${inc.n}`);
      expect(reply).toMatch(/Template problem: .*postmortem\.md\.hbs line \d+: Parse error/);
      expect(reply).toContain('using its last good version');
      const file = await stack.emulator.waitFor(() => draftFiles(stack, inc.channel)[0], 15000);
      expect(file.content).toContain('## Customer communication SLA');
    } finally {
      await writeFile(templateFile, good);
    }
  });
});
