import { Redis } from 'ioredis';
import type { EmulatedMessage } from './slack-emulator';
import type { Stack } from './stack';
import { SLA_QUEUE } from '../../src/ports/sla-timers';
import { startRuntime, type Runtime } from '../../src/main/runtime';
import { ALL } from './scopes';

/** P1 clocks of 3 s (warning at 80 % = 2.4 s), security notification within 6 s. */
export const SLA_CONFIG = `
tenants:
  - { id: acme, name: Acme Corp, plan: enterprise }
  - { id: globex, name: Globex, plan: business }
  - { id: initech, name: Initech, plan: default }
slaPolicies:
  default:
    P1: { firstResponse: PT3S, updateEvery: PT3S }
security: { notifyWithin: PT6S }
postmortem: { dueBusinessDays: 5, holidays: ['2026-12-25'], timezone: Europe/Madrid }
incidents: { mode: channel }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ALICE, tenant: acme, role: commander }
  - { user: U0ALICE, tenant: globex, role: commander }
  - { user: U0ALICE, tenant: initech, role: commander }
  - { user: U0CAROL, tenant: acme, role: comms }
  - { user: U0GINA, tenant: globex, role: comms }
  - { user: U0DAVE, tenant: globex, role: responder }
`;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Declared {
  n: number;
  channel: string;
  at: number;
}

/** Declares through the real slash command and finds the incident's channel. */
export async function declare(stack: Stack, text: string): Promise<Declared> {
  const at = Date.now();
  const reply = await (await stack.slash(`declare ${text}`)).reply();
  const n = Number(/INC-(\d+)/.exec(reply)?.[1]);
  if (!n) throw new Error(`declare failed: ${reply}`);
  const channel = await stack.runtime.storage.db.scoped(ALL, async (c) => {
    const { rows } = await c.query<{ channel_id: string }>(
      'SELECT channel_id FROM incidents WHERE id = $1',
      [n],
    );
    return rows[0]?.channel_id as string;
  });
  return { n, channel, at };
}

/** Runs a slash command and returns its ephemeral reply. */
export async function run(stack: Stack, text: string, user = 'U0ALICE'): Promise<string> {
  return (await stack.slash(text, { user })).reply();
}

export function messages(stack: Stack, channel: string, match?: RegExp): EmulatedMessage[] {
  return stack.emulator.messagesIn(channel).filter((m) => !match || match.test(m.text));
}

/** Waits for a message in the channel matching `match`; returns it and when it was seen. */
export async function waitForMessage(
  stack: Stack,
  channel: string,
  match: RegExp,
  timeoutMs = 20_000,
): Promise<{ message: EmulatedMessage; seenAt: number }> {
  const message = await stack.emulator.waitFor(() => messages(stack, channel, match)[0], timeoutMs);
  return { message, seenAt: Date.now() };
}

/**
 * A positive signal that the SLA timers and their posts got past everything due by now: a
 * control P1 incident on initech, declared now, whose first reminder (two 3 s windows later) is
 * awaited; timers and posts due before that have been processed by then. Then check for absence.
 */
export async function slaPastNow(stack: Stack): Promise<void> {
  const control = await declare(stack, 'P1 initech Control for a later signal');
  await waitForMessage(stack, control.channel, /SLA still breached\* \(reminder 1\)/, 60_000);
  await run(stack, `resolve INC-${control.n} Control done`);
}

export async function query<T>(stack: Stack, sql: string, params: unknown[] = []): Promise<T[]> {
  return stack.runtime.storage.db.scoped(
    ALL,
    async (c) => (await c.query(sql, params)).rows as T[],
  );
}

export async function timeline(
  stack: Stack,
  n: number,
): Promise<{ kind: string; text: string; tenant_ids: string[] }[]> {
  return query(
    stack,
    'SELECT kind, text, tenant_ids FROM timeline WHERE incident_id = $1 ORDER BY id',
    [n],
  );
}

export interface ClockRowView {
  id: string;
  tenant_id: string;
  kind: string;
  state: string;
  due_at: Date;
  started_at: Date;
  generation: number;
}

export async function clocks(stack: Stack, n: number): Promise<ClockRowView[]> {
  return query(stack, 'SELECT * FROM sla_clocks WHERE incident_id = $1 ORDER BY id', [n]);
}

/** The queue prefix this stack's runtime uses (Redis key prefix, or the pg backend's name prefix). */
export async function queuePrefixOf(runtime: Runtime): Promise<string> {
  if (runtime.queues.kind === 'postgres') return runtime.queues.queueName('x').slice(0, -2);
  const probe = runtime.queues.createQueue('probe');
  const prefix = probe.opts.prefix as string;
  await probe.close();
  return prefix;
}

/**
 * Wipes every job and key of this stack's SLA queue, as FLUSHALL would for it: on Redis all
 * keys under the stack's own prefix (a real FLUSHALL would also wipe test files running in
 * parallel), on the Postgres backend an obliteration of the queue.
 */
export async function wipeQueue(stack: Stack): Promise<void> {
  const runtime = stack.runtime;
  if (runtime.queues.kind === 'redis') {
    const redis = new Redis(process.env.TEST_REDIS_URL as string);
    try {
      const keys = await redis.keys(`${await queuePrefixOf(runtime)}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
    return;
  }
  const queue = runtime.queues.createQueue(SLA_QUEUE);
  try {
    await queue.pause();
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}

/** A second worker-only runtime on the same database, schema and queue as `stack`. */
export async function secondWorker(stack: Stack): Promise<Runtime> {
  const env = { ...stack.config.env, DATABASE_URL: stack.runtime.storage.postgresUrl };
  return startRuntime(
    { ...stack.config, env },
    {
      web: false,
      worker: true,
      migrate: false,
      schema: stack.schema,
      queuePrefix: await queuePrefixOf(stack.runtime),
      logger: stack.log,
    },
  );
}
