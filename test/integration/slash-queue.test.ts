// `web` beside worker processes (the Procfile's split): a slash command is acked and queued by
// the web, run by a worker, and answered at its response_url. Real Bolt over signed HTTP, the
// real queue (Redis, or the embedded backend), the worker a second runtime on the same database
// and queues, started after the command arrived: a command waits for a worker, it is not lost.
import path from 'node:path';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/load-config';
import { startRuntime, type Runtime } from '../../src/main/runtime';
import { SLASH_COMMAND_QUEUE } from '../../src/main/slash-commands';
import type { AppQueue } from '../../src/adapters/queue/queue-backend';
import type { QueuedCommand } from '../../commands';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { deniedAuditRows } from '../support/isolation-matrix';

jest.setTimeout(120_000);

let stack: Stack;
let worker: Runtime | undefined;
let queue: AppQueue<QueuedCommand>;

async function startWorker(): Promise<Runtime> {
  const env = { ...stack.env, DATABASE_URL: stack.runtime.storage.postgresUrl };
  return startRuntime(loadConfig(env, path.dirname(stack.env.TENANTOPS_CONFIG as string)), {
    web: false,
    worker: true,
    migrate: false,
    ...(stack.schema ? { schema: stack.schema } : {}),
    queuePrefix: stack.queuePrefix,
    logger: stack.log,
  });
}

async function incidentCount(): Promise<number> {
  const c = new Client({ connectionString: stack.runtime.storage.postgresUrl });
  await c.connect();
  try {
    const schema = stack.schema ? `"${stack.schema}".` : '';
    const { rows } = await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}incidents`);
    return Number(rows[0]?.n);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  stack = await startStack({ worker: false });
  queue = stack.runtime.queues.createQueue<QueuedCommand>(SLASH_COMMAND_QUEUE);
});

afterAll(async () => {
  // A worker delivers what the web queued (a test that failed early left it unstarted), so the
  // web's shutdown does not wait for deliveries nobody would make.
  if (stack && !worker) worker = await startWorker();
  await queue?.close();
  await worker?.stop();
  await stack?.stop();
});

describe(`slash commands from web to a worker (${storageUnderTest()} storage)`, () => {
  it('acks and queues a command while no worker runs; a worker started later runs and answers it', async () => {
    const declared = await stack.slash('declare P2 acme Checkout errors');
    expect(declared.status).toBe(200);
    // The ack comes first; the command is queued right after it.
    let waiting = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    for (let i = 0; i < 150 && waiting.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      waiting = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    }
    expect(waiting.map((j) => j.data.command.text)).toEqual(['declare P2 acme Checkout errors']);
    // Slack's verification token is not carried to the queue.
    expect(waiting[0]?.data.command.token).toBe('');
    expect(await incidentCount()).toBe(0);

    worker = await startWorker();
    expect(await declared.reply()).toContain('Declared');
    expect(await incidentCount()).toBe(1);
    const status = await stack.slash('status INC-1');
    expect(await status.reply()).toContain('INC-1');
  });

  it('answers a refusal from the worker, audits it and writes nothing (a tenant the user has no role on)', async () => {
    const before = await incidentCount();
    const denied = await deniedAuditRows(stack, 'U0ALICE');
    const refused = await stack.slash('declare P1 initech Outage');
    expect(await refused.reply()).toMatch(/no_entry_sign|not allowed|role/i);
    expect(await incidentCount()).toBe(before);
    expect(await deniedAuditRows(stack, 'U0ALICE')).toBe(denied + 1);
  });

  it('opens the declare modal from web (the trigger_id lasts 3 s), not through the queue', async () => {
    const opened = stack.emulator.callsTo('views.open').length;
    const res = await stack.slash('declare');
    expect(res.status).toBe(200);
    const call = await stack.emulator.waitFor(() => stack.emulator.callsTo('views.open')[opened]);
    expect(call.args.trigger_id).toMatch(/^trig\d+$/);
  });

  it('fails a malformed job for good without running anything', async () => {
    const before = await incidentCount();
    const job = await queue.add('command', { command: { text: 'declare P2 acme X' } } as never, {
      attempts: 1,
    });
    for (let i = 0; i < 150 && (await job.getState()) !== 'failed'; i++)
      await new Promise((r) => setTimeout(r, 100));
    const failed = await queue.getJob(job.id as string);
    expect(failed?.failedReason).toContain('malformed slash command job');
    expect(await incidentCount()).toBe(before);
  });
});
