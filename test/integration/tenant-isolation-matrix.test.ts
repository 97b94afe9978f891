// The cross-tenant matrix (issue 8): every incident command, button, modal and the :pushpin:
// reaction, by people holding a role on acme only, globex only, both and none, against
// incidents on acme, globex and acme+globex, over the real signed HTTP endpoint. Each cell
// states its outcome (done / partly done with the skipped tenants named / refused), and the
// database is checked after it: no row of a tenant the actor has no role on changed, and every
// refusal left an audit row. Commands added later add their rows: post-mortems below with the
// incident rows, runbooks (every /runbook command and the run message's buttons, on runs of
// acme and of globex) in their own describe on a stack with a real target database.
import { signedEvent, signedInteraction } from '../support/slack-signing';
import { SIGNING_SECRET, startStack, storageUnderTest, type Stack } from '../support/stack';
import { ALL } from '../support/scopes';
import {
  openTestTarget,
  runbook,
  runbookSettings,
  type TestTarget,
} from '../support/runbook-stack';
import {
  ACTORS,
  changedRows,
  deniedAuditRows,
  expected,
  expectOnlyOwnRowsChanged,
  INCIDENT_KINDS,
  MATRIX_CONFIG,
  outcomeOf,
  runSnapshot,
  snapshot,
  type ActorName,
  type IncidentKind,
  type Outcome,
} from '../support/isolation-matrix';

jest.setTimeout(15 * 60_000);

interface Incident {
  n: number;
  tenants: readonly string[];
  channel: string;
  threadTs: string | null;
}

type Step =
  | { kind: 'slash'; text: string }
  | { kind: 'click'; action: string; opensModal?: boolean }
  | { kind: 'view'; callback: string; field: string; text: string }
  | { kind: 'pin' };

interface MatrixRow {
  name: string;
  reach: 'every' | 'each' | 'any';
  /** The tenants the action names, when not all of the incident's (e.g. `tenant=acme`). */
  names?: (tenants: readonly string[]) => readonly string[];
  security?: boolean;
  /** Resolved (by U0ADMIN) before the cell, its post-mortem draft made. */
  resolved?: boolean;
  step: (i: Incident) => Step;
}

const first = (t: readonly string[]) => [t[0] as string];

const INCIDENT_ROWS: MatrixRow[] = [
  { name: '/incident ack', reach: 'every', step: (i) => slash(`ack INC-${i.n}`) },
  { name: '/incident update', reach: 'each', step: (i) => slash(`update INC-${i.n} Checking`) },
  {
    name: '/incident update tenant=',
    reach: 'each',
    names: first,
    step: (i) => slash(`update INC-${i.n} tenant=${i.tenants[0]} Checking one`),
  },
  { name: '/incident status', reach: 'any', step: (i) => slash(`status INC-${i.n}`) },
  { name: '/incident sev', reach: 'every', step: (i) => slash(`sev INC-${i.n} P1`) },
  {
    name: '/incident role',
    reach: 'every',
    step: (i) => slash(`role INC-${i.n} scribe <@U0BOTH>`),
  },
  {
    name: '/incident tenant add',
    reach: 'every',
    step: (i) => slash(`tenant add INC-${i.n} initech`),
  },
  { name: '/incident mitigate', reach: 'every', step: (i) => slash(`mitigate INC-${i.n} Fixed`) },
  { name: '/incident resolve', reach: 'every', step: (i) => slash(`resolve INC-${i.n} Done`) },
  { name: '/incident security', reach: 'every', step: (i) => slash(`security INC-${i.n}`) },
  {
    name: '/incident notified all',
    reach: 'each',
    security: true,
    step: (i) => slash(`notified INC-${i.n} all`),
  },
  {
    name: '/incident notified <tenant>',
    reach: 'each',
    names: first,
    security: true,
    step: (i) => slash(`notified INC-${i.n} ${i.tenants[0]}`),
  },
  {
    name: 'Acknowledge button',
    reach: 'every',
    step: () => ({ kind: 'click', action: 'incident_ack' }),
  },
  {
    name: 'Post update button',
    reach: 'any',
    step: () => ({ kind: 'click', action: 'incident_post_update', opensModal: true }),
  },
  {
    name: 'Resolve button',
    reach: 'any',
    step: () => ({ kind: 'click', action: 'incident_resolve', opensModal: true }),
  },
  {
    name: 'update modal submission',
    reach: 'each',
    step: () => ({
      kind: 'view',
      callback: 'incident_update_modal',
      field: 'text',
      text: 'Via form',
    }),
  },
  {
    name: 'resolve modal submission',
    reach: 'every',
    step: () => ({
      kind: 'view',
      callback: 'incident_resolve_modal',
      field: 'summary',
      text: 'Form',
    }),
  },
  { name: ':pushpin: in the incident channel', reach: 'each', step: () => ({ kind: 'pin' }) },
  // The draft is stored only for a reader who sees every tenant; others get their tenants'
  // version, made in their scope and never stored (the DB check proves it).
  {
    name: '/incident postmortem',
    reach: 'any',
    step: (i) => slash(`postmortem INC-${i.n}`),
  },
  {
    name: '/incident postmortem done',
    reach: 'every',
    resolved: true,
    step: (i) => slash(`postmortem INC-${i.n} done`),
  },
];

function slash(text: string): Step {
  return { kind: 'slash', text };
}

let stack: Stack;
let seq = 0;

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return stack.runtime.storage.db.scoped(
    ALL,
    async (c) => (await c.query(sql, params)).rows as T[],
  );
}

async function declare(kind: IncidentKind, title: string): Promise<Incident> {
  const tenants = INCIDENT_KINDS[kind];
  const reply = await (
    await stack.slash(`declare P2 ${tenants.join(',')} ${title}`, { user: 'U0ADMIN' })
  ).reply();
  const n = Number(/INC-(\d+)/.exec(reply)?.[1]);
  expect(n).toBeGreaterThan(0);
  const [row] = await query<{ channel_id: string; thread_ts: string | null }>(
    'SELECT channel_id, thread_ts FROM incidents WHERE id = $1',
    [n],
  );
  return { n, tenants, channel: row!.channel_id, threadTs: row!.thread_ts };
}

async function asSecurity(i: Incident): Promise<void> {
  const reply = await (await stack.slash(`security INC-${i.n}`, { user: 'U0ADMIN' })).reply();
  expect(reply).toContain('is a security incident');
  const [row] = await query<{ channel_id: string }>(
    'SELECT channel_id FROM incidents WHERE id = $1',
    [i.n],
  );
  i.channel = row!.channel_id;
}

/** Resolved by U0ADMIN, and the draft the resolve makes (a job) stored before the cell. */
async function asResolved(i: Incident): Promise<void> {
  const reply = await (await stack.slash(`resolve INC-${i.n} Fixed`, { user: 'U0ADMIN' })).reply();
  expect(reply).toMatch(/resolved/i);
  await waitUntil(
    async () =>
      (
        await query('SELECT 1 FROM postmortems WHERE incident_id = $1 AND latest_version > 0', [
          i.n,
        ])
      ).length > 0,
    `the post-mortem draft of INC-${i.n}`,
  );
}

/** Polls `check` until it holds; the deadline is generous (a loaded machine is slow, not wrong). */
async function waitUntil(check: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not there in time: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function ephemeralsTo(user: string): string[] {
  return stack.emulator
    .callsTo('chat.postEphemeral')
    .filter((c) => c.args.user === user)
    .map((c) => String(c.args.text));
}

/** Runs one step as the actor and returns what the person was told (or saw happen). */
async function perform(user: string, step: Step, i: Incident, want: Outcome): Promise<string> {
  const id = `matrix${++seq}`;
  switch (step.kind) {
    case 'slash':
      return (await stack.slash(step.text, { user })).reply();
    case 'click': {
      const opened = stack.emulator.callsTo('views.open').length;
      const res = await stack.click(step.action, String(i.n), { user });
      expect(res.status).toBe(200);
      if (!step.opensModal) return res.reply();
      // A modal opening is the "done" answer; a refusal comes back as a reply.
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        if (stack.emulator.callsTo('views.open').length > opened) return 'opened the form';
        const said = await res.reply(100).catch(() => undefined);
        if (said) return said;
      }
      throw new Error('button had no visible outcome');
    }
    case 'view': {
      const told = ephemeralsTo(user).length;
      const res = await signedInteraction(`${stack.url}/slack/events`, SIGNING_SECRET, {
        type: 'view_submission',
        team: { id: stack.emulator.identity.teamId },
        user: { id: user },
        trigger_id: id,
        view: {
          id: `V${id}`,
          callback_id: step.callback,
          private_metadata: JSON.stringify({ incident: i.n }),
          state: {
            values: {
              [step.field]: { [step.field]: { type: 'plain_text_input', value: step.text } },
            },
          },
        },
      });
      expect(res.status).toBe(200);
      return stack.emulator.waitFor(() => ephemeralsTo(user)[told], 15_000);
    }
    case 'pin': {
      const ts = stack.emulator.postAsUser(
        i.channel,
        user,
        `Note from ${user}`,
        i.threadTs ?? undefined,
      );
      const told = ephemeralsTo(user).length;
      const pinned = async () =>
        (
          await query(
            'SELECT 1 FROM timeline WHERE incident_id = $1 AND kind = $2 AND actor = $3',
            [i.n, 'pinned', user],
          )
        ).length > 0;
      const res = await signedEvent(`${stack.url}/slack/events`, SIGNING_SECRET, {
        type: 'event_callback',
        team_id: stack.emulator.identity.teamId,
        event_id: `Ev${id}`,
        event_time: 1,
        event: {
          type: 'reaction_added',
          user,
          reaction: 'pushpin',
          item: { type: 'message', channel: i.channel, ts },
          event_ts: '1.1',
        },
      });
      expect(res.status).toBe(200);
      // Either the entry lands (done) or the person is told (refused / partly done).
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const said = ephemeralsTo(user)[told];
        if (said) return said;
        if (await pinned()) {
          // A partial pin is also told, after the entry lands: wait for what the cell expects
          // (a pin that should have been partial fails on the outcome, not on a timeout).
          if (want !== 'partial') return ephemeralsTo(user)[told] ?? 'pinned';
          return stack.emulator
            .waitFor(() => ephemeralsTo(user)[told], 30_000)
            .catch(() => 'pinned');
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('pin had no visible outcome');
    }
  }
}

async function runCell(row: MatrixRow, kind: IncidentKind, actor: ActorName): Promise<void> {
  const cell = `${row.name} · ${actor} on ${kind}`;
  const i = await declare(kind, `Matrix ${row.name.replace(/[^a-z]+/gi, ' ')}`);
  if (row.security) await asSecurity(i);
  if (row.resolved) await asResolved(i);
  const want: Outcome = expected(row.reach, actor, row.names ? row.names(i.tenants) : i.tenants);
  const user = ACTORS[actor].user;
  const before = await snapshot(stack, [i.n]);
  const audits = await deniedAuditRows(stack, user);
  const reply = await perform(user, row.step(i), i, want);
  const got = outcomeOf(reply);
  expect({ cell, outcome: got, reply: got === want ? '' : reply }).toEqual({
    cell,
    outcome: want,
    reply: '',
  });
  const changed = changedRows(before, await snapshot(stack, [i.n]));
  expectOnlyOwnRowsChanged(changed, actor, cell);
  if (want === 'refused') expect({ cell, changed: changed.length }).toEqual({ cell, changed: 0 });
  if (want !== 'done')
    expect({ cell, audited: (await deniedAuditRows(stack, user)) > audits }).toEqual({
      cell,
      audited: true,
    });
}

describe(`cross-tenant matrix, channel mode (${storageUnderTest()} storage)`, () => {
  beforeAll(async () => {
    stack = await startStack({ configYaml: MATRIX_CONFIG('channel') });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  for (const row of INCIDENT_ROWS) {
    it(row.name, async () => {
      for (const kind of Object.keys(INCIDENT_KINDS) as IncidentKind[])
        for (const actor of Object.keys(ACTORS) as ActorName[]) await runCell(row, kind, actor);
    });
  }

  it('/incident list shows an incident only to people with a role on one of its tenants', async () => {
    const mine = await Promise.all(
      (Object.keys(INCIDENT_KINDS) as IncidentKind[]).map((k) => declare(k, 'Matrix list')),
    );
    for (const actor of Object.keys(ACTORS) as ActorName[]) {
      const reply = await (await stack.slash('list', { user: ACTORS[actor].user })).reply();
      for (const i of mine) {
        const sees = expected('any', actor, i.tenants) === 'done';
        expect({ actor, n: i.n, listed: new RegExp(`\\bINC-${i.n}\\b`).test(reply) }).toEqual({
          actor,
          n: i.n,
          listed: sees,
        });
      }
    }
  });

  it('declares (command and form) only for tenants the person holds a role on', async () => {
    for (const kind of Object.keys(INCIDENT_KINDS) as IncidentKind[]) {
      for (const actor of Object.keys(ACTORS) as ActorName[]) {
        const tenants = INCIDENT_KINDS[kind];
        const want = expected('every', actor, tenants);
        const before = await query<{ n: string }>('SELECT count(*) AS n FROM incidents');
        const user = ACTORS[actor].user;
        const audits = await deniedAuditRows(stack, user);
        const reply = await (
          await stack.slash(`declare P3 ${tenants.join(',')} Declared by ${actor}`, { user })
        ).reply();
        expect({ kind, actor, outcome: outcomeOf(reply) }).toEqual({ kind, actor, outcome: want });
        const after = await query<{ n: string }>('SELECT count(*) AS n FROM incidents');
        expect(Number(after[0]!.n) - Number(before[0]!.n)).toBe(want === 'done' ? 1 : 0);
        if (want !== 'done') expect(await deniedAuditRows(stack, user)).toBeGreaterThan(audits);
      }
    }
  });
});

describe(`cross-tenant matrix, thread mode (${storageUnderTest()} storage)`, () => {
  beforeAll(async () => {
    stack = await startStack({ configYaml: MATRIX_CONFIG('thread') });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it(':pushpin: in an incident thread goes to that incident only, by a person with a role on it', async () => {
    const row = INCIDENT_ROWS.find((r) => r.name.startsWith(':pushpin:')) as MatrixRow;
    for (const kind of Object.keys(INCIDENT_KINDS) as IncidentKind[])
      for (const actor of Object.keys(ACTORS) as ActorName[]) await runCell(row, kind, actor);
  });

  it("never copies a message of globex's thread to acme's timeline, even with acme's open", async () => {
    const acme = await declare('acme', 'Acme thread');
    const globex = await declare('globex', 'Globex thread');
    const reply = stack.emulator.postAsUser(
      globex.channel,
      'U0ACME',
      'globex secret',
      globex.threadTs!,
    );
    const root = globex.threadTs!;
    for (const ts of [reply, root]) {
      const told = ephemeralsTo('U0ACME').length;
      await signedEvent(`${stack.url}/slack/events`, SIGNING_SECRET, {
        type: 'event_callback',
        team_id: stack.emulator.identity.teamId,
        event_id: `Ev-x-${ts}`,
        event_time: 1,
        event: {
          type: 'reaction_added',
          user: 'U0ACME',
          reaction: 'pushpin',
          item: { type: 'message', channel: globex.channel, ts },
          event_ts: '1.1',
        },
      });
      expect(await stack.emulator.waitFor(() => ephemeralsTo('U0ACME')[told], 15_000)).toMatch(
        /You can't/,
      );
    }
    const pinned = await query<{ incident_id: string }>(
      `SELECT incident_id FROM timeline WHERE kind = 'pinned' AND incident_id = ANY($1)`,
      [[acme.n, globex.n]],
    );
    expect(pinned).toEqual([]);
  });

  it('makes a command without INC-n in the shared channel name the incident when several are open', async () => {
    await declare('acme', 'One');
    await declare('globex', 'Two');
    // U0ACME sees only acme's, but the channel has two open: nothing is guessed for them.
    const reply = await (
      await stack.slash('ack', { user: 'U0ACME', channel: 'C0INCIDENTS' })
    ).reply();
    expect(reply).toContain('several incidents are open in this channel');
  });
});

// Runbook runs belong to one tenant; U0ADMIN (platform-wide commander) starts them, so approving
// is never refused for being the requester. Refusals are tried on a run waiting for approval (a
// row that nothing else moves), and each "done" cell then settles its run before the next cell.
const RUN_TENANTS = ['acme', 'globex'] as const;
type RunTenant = (typeof RUN_TENANTS)[number];
const ACTOR_NAMES = Object.keys(ACTORS) as ActorName[];
const SETTLED = ['completed', 'failed', 'cancelled', 'rolled_back'];

type RunStep =
  | { kind: 'runbook'; text: string }
  | { kind: 'button'; action: 'runbook_approve' | 'runbook_cancel' };

/** What the person reads of a reply: its text and its blocks' text. */
function readable(raw: string): string {
  const body = JSON.parse(raw) as { text?: string; blocks?: { text?: { text?: string } }[] };
  return [body.text ?? '', ...(body.blocks ?? []).map((b) => b.text?.text ?? '')].join('\n');
}

async function runState(n: number): Promise<string> {
  const [row] = await query<{ state: string }>('SELECT state FROM runbook_runs WHERE id = $1', [n]);
  return row?.state ?? 'missing';
}

async function lastRunId(): Promise<number> {
  const [row] = await query<{ n: string | null }>('SELECT max(id) AS n FROM runbook_runs');
  return Number(row?.n ?? 0);
}

async function untilRun(n: number, states: string[]): Promise<void> {
  await waitUntil(async () => states.includes(await runState(n)), `RB-${n} ${states.join('|')}`);
}

/**
 * Until the run and its steps stay the same for a while: what follows a state change (its Slack
 * message's ts recorded after the post, a lease given back) has landed, so a later cell's
 * snapshot does not see the run's own aftermath as that cell's doing.
 */
async function untilQuiet(n: number): Promise<void> {
  let last = JSON.stringify(await runSnapshot(stack, n, n));
  for (let i = 0; i < 60; i++) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = JSON.stringify(await runSnapshot(stack, n, n));
    if (now === last) return;
    last = now;
  }
  throw new Error(`RB-${n} kept changing for 18 s`);
}

/** U0ADMIN starts `text` (`run …`) and waits for the run to reach one of `states`, then to settle. */
async function adminRun(text: string, states: string[]): Promise<number> {
  const { reply, run } = await runbook(stack, text, 'U0ADMIN');
  expect({ text, reply: run ? '' : reply }).toEqual({ text, reply: '' });
  await untilRun(run!, states);
  await untilQuiet(run!);
  return run!;
}

/**
 * One cell: `actor` does `step` on run `run` of `tenant`. Checks the outcome the rule states, then
 * the database: nothing of a tenant outside the actor's roles changed (the run, and any run made
 * meanwhile), a refusal changed nothing and was audited. `settle`: the states a done cell's run
 * reaches, waited for before the next cell.
 */
async function runCellOn(
  name: string,
  tenant: RunTenant,
  actor: ActorName,
  run: number,
  step: RunStep,
  reach: 'every' | 'any' = 'every',
  settle?: string[],
): Promise<Outcome> {
  const cell = `${name} · ${actor} on a run of ${tenant}`;
  const want = expected(reach, actor, [tenant]);
  const user = ACTORS[actor].user;
  const since = await lastRunId();
  const before = await runSnapshot(stack, run, since);
  const audits = await deniedAuditRows(stack, user);
  let raw: string;
  if (step.kind === 'runbook') {
    raw = await (
      await stack.slash(step.text, { command: '/runbook', user, channel: 'C0GENERAL' })
    ).reply();
  } else {
    const res = await stack.click(step.action, String(run), { user });
    expect(res.status).toBe(200);
    raw = await res.reply();
  }
  const reply = readable(raw);
  const got = outcomeOf(reply);
  expect({ cell, outcome: got, reply: got === want ? '' : reply }).toEqual({
    cell,
    outcome: want,
    reply: '',
  });
  if (want === 'done' && settle) {
    const made = (await lastRunId()) > since ? await lastRunId() : run;
    await untilRun(made, settle);
  }
  const changed = changedRows(before, await runSnapshot(stack, run, since));
  expectOnlyOwnRowsChanged(changed, actor, cell);
  if (want === 'refused') {
    expect({ cell, changed: changed.length }).toEqual({ cell, changed: 0 });
    expect({ cell, audited: (await deniedAuditRows(stack, user)) > audits }).toEqual({
      cell,
      audited: true,
    });
  }
  return want;
}

const cmd = (text: string): RunStep => ({ kind: 'runbook', text });
const button = (action: 'runbook_approve' | 'runbook_cancel'): RunStep => ({
  kind: 'button',
  action,
});

describe(`cross-tenant matrix, runbooks (${storageUnderTest()} storage)`, () => {
  let target: TestTarget;
  beforeAll(async () => {
    target = await openTestTarget();
    stack = await startStack({
      configYaml: `${MATRIX_CONFIG('channel')}${runbookSettings(target)}`,
      env: { TARGET_DATABASE_URL: target.url },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await target?.close();
  });

  it('/runbook run: only by a person with a role on the tenant', async () => {
    for (const tenant of RUN_TENANTS)
      for (const actor of ACTOR_NAMES)
        await runCellOn(
          '/runbook run',
          tenant,
          actor,
          0,
          cmd(`run tenant-backup ${tenant}`),
          'every',
          SETTLED,
        );
  });

  it('/runbook run with bad parameters: refused (audited) on a tenant without a role, else explained', async () => {
    for (const tenant of RUN_TENANTS)
      for (const actor of ACTOR_NAMES) {
        const cell = `/runbook run (bad parameters) · ${actor} on ${tenant}`;
        const user = ACTORS[actor].user;
        const [runs, audits] = [await lastRunId(), await deniedAuditRows(stack, user)];
        const { reply } = await runbook(stack, `run tenant-backup ${tenant} kind=weekly`, user);
        const refused = expected('every', actor, [tenant]) === 'refused';
        expect({ cell, refused: outcomeOf(reply) === 'refused' }).toEqual({ cell, refused });
        if (!refused) expect(reply).toContain('kind=weekly: must be full or incremental');
        expect({ cell, audited: (await deniedAuditRows(stack, user)) > audits }).toEqual({
          cell,
          audited: refused,
        });
        expect({ cell, runs: await lastRunId() }).toEqual({ cell, runs });
      }
  });

  for (const tenant of RUN_TENANTS) {
    it(`/runbook approve, cancel, rollback, status and the Approve / Cancel buttons on a run of ${tenant}`, async () => {
      // Backups to restore from (the run row above made them as people; this one as admin).
      await adminRun(`run tenant-backup ${tenant}`, ['completed']);
      const restore = () => adminRun(`run tenant-restore ${tenant}`, ['waiting_approval']);
      const outsiders = ACTOR_NAMES.filter((a) => expected('every', a, [tenant]) === 'refused');
      const insiders = ACTOR_NAMES.filter((a) => expected('every', a, [tenant]) === 'done');
      expect(insiders).toHaveLength(2);
      const [own, both] = insiders as [ActorName, ActorName];

      // Refusals, on a run that waits for approval.
      const waiting = await restore();
      for (const actor of outsiders) {
        const n = waiting;
        await runCellOn('/runbook approve', tenant, actor, n, cmd(`approve RB-${n}`));
        await runCellOn('Approve button', tenant, actor, n, button('runbook_approve'));
        await runCellOn('/runbook cancel', tenant, actor, n, cmd(`cancel RB-${n}`));
        await runCellOn('Cancel button', tenant, actor, n, button('runbook_cancel'));
        await runCellOn('/runbook rollback', tenant, actor, n, cmd(`rollback RB-${n}`));
        await runCellOn('/runbook status', tenant, actor, n, cmd(`status RB-${n}`), 'any');
      }
      // A run number that doesn't exist reads like one of another tenant's, and is audited too.
      for (const actor of ACTOR_NAMES) {
        const user = ACTORS[actor].user;
        const audits = await deniedAuditRows(stack, user);
        for (const sub of ['approve', 'cancel', 'rollback', 'status']) {
          const { reply } = await runbook(stack, `${sub} RB-999999`, user);
          expect({ actor, sub, outcome: outcomeOf(reply) }).toEqual({
            actor,
            sub,
            outcome: 'refused',
          });
        }
        expect({ actor, audited: (await deniedAuditRows(stack, user)) - audits }).toEqual({
          actor,
          audited: 4,
        });
      }
      for (const actor of insiders)
        await runCellOn(
          '/runbook status',
          tenant,
          actor,
          waiting,
          cmd(`status RB-${waiting}`),
          'any',
        );

      // Done by each insider, each command by one of its two paths (slash or button).
      await runCellOn(
        '/runbook approve',
        tenant,
        own,
        waiting,
        cmd(`approve RB-${waiting}`),
        'every',
        ['completed'],
      );
      await runCellOn(
        '/runbook rollback',
        tenant,
        own,
        waiting,
        cmd(`rollback RB-${waiting}`),
        'every',
        ['rolled_back'],
      );
      const second = await restore();
      for (const actor of outsiders)
        await runCellOn('/runbook rollback', tenant, actor, second, cmd(`rollback RB-${second}`));
      await runCellOn('Approve button', tenant, both, second, button('runbook_approve'), 'every', [
        'completed',
      ]);
      for (const actor of outsiders)
        await runCellOn(
          '/runbook rollback (completed run)',
          tenant,
          actor,
          second,
          cmd(`rollback RB-${second}`),
        );
      await runCellOn(
        '/runbook rollback',
        tenant,
        both,
        second,
        cmd(`rollback RB-${second}`),
        'every',
        ['rolled_back'],
      );
      const third = await restore();
      await runCellOn('/runbook cancel', tenant, both, third, cmd(`cancel RB-${third}`), 'every', [
        'cancelled',
      ]);
      const fourth = await restore();
      await runCellOn('Cancel button', tenant, own, fourth, button('runbook_cancel'), 'every', [
        'cancelled',
      ]);
    });
  }

  it('/runbook list shows a run only to people with a role on its tenant', async () => {
    const runs = await Promise.all(
      RUN_TENANTS.map(async (t) => ({
        tenant: t,
        n: await adminRun(`run tenant-backup ${t}`, ['completed']),
      })),
    );
    for (const actor of ACTOR_NAMES) {
      const { reply } = await runbook(stack, 'list', ACTORS[actor].user);
      for (const r of runs) {
        const sees = expected('any', actor, [r.tenant]) === 'done';
        expect({ actor, n: r.n, listed: new RegExp(`\\bRB-${r.n}\\b`).test(reply) }).toEqual({
          actor,
          n: r.n,
          listed: sees,
        });
      }
    }
  });
});
