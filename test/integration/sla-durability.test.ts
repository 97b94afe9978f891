import type { Runtime } from '../../src/main/runtime';
import { SLA_QUEUE, SLA_TIMER_JOB, slaTimerJobId } from '../../src/ports/sla-timers';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import {
  clocks,
  declare,
  messages,
  query,
  run,
  secondWorker,
  sleep,
  SLA_CONFIG,
  slaPastNow,
  waitForMessage,
  wipeQueue,
} from '../support/sla-helpers';

jest.setTimeout(180_000);

let stack: Stack;
const logLines: string[] = [];

beforeAll(async () => {
  stack = await startStack({ configYaml: SLA_CONFIG, logLines });
});

/** The first log entry after line `from` with message `msg` that `match` accepts. */
function logged(
  from: number,
  msg: string,
  match: (entry: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  for (const line of logLines.slice(from)) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === msg && match(entry)) return entry;
  }
  return undefined;
}

afterAll(async () => {
  await stack?.stop();
});

async function breachEvents(n: number): Promise<number> {
  const rows = await query<{ n: string }>(
    stack,
    `SELECT count(*) AS n FROM sla_events WHERE incident_id = $1 AND step = 'due'`,
    [n],
  );
  return Number(rows[0]?.n);
}

/** Adds timer jobs for `incident` at `at` under ids the app never uses, as a stray duplicate would. */
async function strayTimers(runtime: Runtime, incident: number, ats: Date[]): Promise<string[]> {
  const queue = runtime.queues.createQueue(SLA_QUEUE);
  const ids = ats.map((at, i) => `${slaTimerJobId({ incident, at })}-stray${i}`);
  try {
    await queue.addBulk(
      ats.map((at, i) => ({
        name: SLA_TIMER_JOB,
        data: { incident, at: at.getTime() },
        opts: {
          jobId: ids[i],
          delay: Math.max(0, at.getTime() - Date.now()),
          removeOnComplete: true,
        },
      })),
    );
  } finally {
    await queue.close();
  }
  return ids;
}

/** Waits until the timer jobs under these ids have been processed (completed, failed or gone). */
async function timersDone(runtime: Runtime, ids: string[]): Promise<void> {
  const queue = runtime.queues.createQueue(SLA_QUEUE);
  try {
    const deadline = Date.now() + 60_000;
    for (const id of ids) {
      for (;;) {
        const job = await queue.getJob(id);
        if (!job || ['completed', 'failed'].includes(await job.getState())) break;
        if (Date.now() > deadline) throw new Error(`timer ${id} not processed in time`);
        await sleep(50);
      }
    }
  } finally {
    await queue.close();
  }
}

/** Waits until the declare's timers are on the queue and no more arrive for 300 ms. */
async function timersSettled(runtime: Runtime): Promise<void> {
  const queue = runtime.queues.createQueue(SLA_QUEUE);
  try {
    const deadline = Date.now() + 15_000;
    let last = -1;
    for (;;) {
      const { delayed = 0 } = await queue.getJobCounts('delayed');
      if (delayed > 0 && delayed === last) return;
      if (Date.now() > deadline) throw new Error(`the declare's timers never settled (${delayed})`);
      last = delayed;
      await sleep(300);
    }
  } finally {
    await queue.close();
  }
}

describe(`SLA timers are durable (${storageUnderTest()} storage)`, () => {
  it('rebuilds timers from Postgres after the queue state is wiped, and the breach still fires once', async () => {
    const inc = await declare(stack, 'P1 acme Orders lost');
    await timersSettled(stack.runtime);
    const wipedAt = logLines.length;
    await wipeQueue(stack);
    // The breach below must come from a rebuild: the reconciler finds the queue's canary gone
    // and re-creates every active clock's timer from Postgres (it may do so before the wipe
    // call even returns, so the queue's emptiness is not observable in between).
    const rebuild = await stack.emulator.waitFor(
      () => logged(wipedAt, 'SLA timers reconciled', (e) => e.reason === 'queue state lost'),
      10_000,
    );
    expect(rebuild.timers).toBeGreaterThanOrEqual(1);
    const breach = await waitForMessage(stack, inc.channel, /SLA breach/, 10_000);
    expect(breach.message.text).toContain('*acme*');
    await slaPastNow(stack);
    expect(messages(stack, inc.channel, /SLA breach/)).toHaveLength(1);
    expect(await breachEvents(inc.n)).toBe(1);
    await run(stack, `resolve INC-${inc.n} Done`);
  });

  it('posts each breach once with two worker runtimes on one database, even with duplicate timers', async () => {
    const other = await secondWorker(stack);
    try {
      const incidents = [
        await declare(stack, 'P1 acme Checkout errors'),
        await declare(stack, 'P1 globex Search errors'),
        await declare(stack, 'P1 initech Export errors'),
      ];
      for (const inc of incidents) {
        const due = (await clocks(stack, inc.n))[0]!.due_at;
        // Stray copies at the due instant race the real timer on both workers.
        await strayTimers(stack.runtime, inc.n, [
          due,
          due,
          new Date(due.getTime() + 1),
          new Date(due.getTime() + 2),
        ]);
      }
      for (const inc of incidents) await waitForMessage(stack, inc.channel, /SLA breach/, 10_000);
      await slaPastNow(stack);
      for (const inc of incidents) {
        expect(messages(stack, inc.channel, /SLA breach/)).toHaveLength(1);
        expect(await breachEvents(inc.n)).toBe(1);
        await run(stack, `resolve INC-${inc.n} Done`);
      }
    } finally {
      await other.stop();
    }
  });

  it('does nothing when a timer fires after its condition was met (stale timer)', async () => {
    const inc = await declare(stack, 'P1 globex Invoices delayed');
    const firstDue = (await clocks(stack, inc.n))[0]!.due_at;
    await sleep(700);
    expect(await run(stack, `update INC-${inc.n} We are on it`)).toContain('Update posted');
    // The original timer at the first due instant still fires; so does a stray one now. Once
    // all three were processed (the positive signal), nothing of the first response happened.
    const strays = await strayTimers(stack.runtime, inc.n, [new Date(), firstDue]);
    await timersDone(stack.runtime, [...strays, slaTimerJobId({ incident: inc.n, at: firstDue })]);
    const firstResponseEvents = await query<{ n: string }>(
      stack,
      `SELECT count(*) AS n FROM sla_events WHERE incident_id = $1 AND clock_kind = 'first_response'`,
      [inc.n],
    );
    expect(Number(firstResponseEvents[0]?.n)).toBe(0);
    // (The update clock that the update started may warn, or come due on a slow machine,
    // meanwhile: that one is legitimate.)
    expect(
      messages(stack, inc.channel, /SLA (breach|warning).*first customer response/),
    ).toHaveLength(0);
    const rows = await clocks(stack, inc.n);
    expect(rows.find((c) => c.kind === 'first_response')?.state).toBe('met');
    expect(['pending', 'breached']).toContain(rows.find((c) => c.kind === 'update')?.state);
    await run(stack, `resolve INC-${inc.n} Done`);
  });

  it('posts a breach whose first post failed once, on the retry, exactly once', async () => {
    const inc = await declare(stack, 'P1 initech Webhooks lost');
    await waitForMessage(stack, inc.channel, /SLA warning/);
    stack.emulator.failNext('chat.postMessage', { error: 'internal_error' });
    const breach = await waitForMessage(stack, inc.channel, /SLA breach/, 10_000);
    expect(breach.message.text).toContain('*initech*');
    await slaPastNow(stack);
    expect(messages(stack, inc.channel, /SLA breach/)).toHaveLength(1);
    const posted = await query<{ posted_at: Date | null }>(
      stack,
      `SELECT posted_at FROM sla_events WHERE incident_id = $1 AND step = 'due'`,
      [inc.n],
    );
    expect(posted[0]?.posted_at).toBeInstanceOf(Date);
    await run(stack, `resolve INC-${inc.n} Done`);
  });
});
