import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client } from 'pg';
import { loadConfig, type AppConfig } from '../../src/config/load-config';
import { createLogger, type Logger } from '../../src/adapters/logging/logger';
import { startRuntime, type Runtime, type RuntimeOptions } from '../../src/main/runtime';
import type { Clock } from '../../src/ports/clock';
import { EMULATOR_TOKEN, SlackEmulator, type RateLimit } from './slack-emulator';
import { asSlackSends } from '../../src/adapters/console/console-receiver';
import { signedInteraction, signedSlashCommand, type SignOptions } from './slack-signing';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** The test matrix: real Postgres + Redis when TEST_DATABASE_URL/TEST_REDIS_URL are set, else embedded. */
export function storageUnderTest(): 'postgres' | 'embedded' {
  return process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';
}

export const DEMO_CONFIG = `
tenants:
  - { id: acme, name: Acme Corp, plan: enterprise, commsChannel: C0ACMECOMM }
  - { id: globex, name: Globex, plan: business }
  - { id: initech, name: Initech, plan: default }
slaPolicies:
  default:
    P1: { firstResponse: PT30M, updateEvery: PT60M }
incidents: { mode: channel }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ALICE, tenant: acme, role: commander }
  - { user: U0ALICE, tenant: globex, role: commander }
  - { user: U0CAROL, tenant: acme, role: comms }
  - { user: U0BOB, tenant: '*', role: approver }
  - { user: U0DAVE, tenant: globex, role: responder }
`;

export interface StackOptions {
  configYaml?: string;
  clock?: Clock;
  web?: boolean;
  worker?: boolean;
  /** Override or add env vars (e.g. DATABASE_URL through a proxy). */
  env?: Record<string, string | undefined>;
  /** Collect log lines here instead of discarding them. */
  logLines?: string[];
  /** The emulator's chat.postMessage limit per channel (default: off). */
  slackRateLimit?: RateLimit | false;
}

export interface Stack {
  config: AppConfig;
  runtime: Runtime;
  emulator: SlackEmulator;
  url: string;
  schema?: string;
  /** The queue prefix of this stack's BullMQ queues (a child worker joins with it). */
  queuePrefix: string;
  /** The env the stack was started with (a child process gets the same). */
  env: Record<string, string | undefined>;
  log: Logger;
  slash(
    text: string,
    opts?: { user?: string; channel?: string; command?: string; sign?: SignOptions },
  ): Promise<SlashResult>;
  click(
    actionId: string,
    value: string,
    opts?: { user?: string; channel?: string },
  ): Promise<SlashResult>;
  stop(): Promise<void>;
}

export interface SlashResult {
  status: number;
  /** Waits for the ephemeral reply sent to the command's response_url. */
  reply(timeoutMs?: number): Promise<string>;
}

/**
 * Stacks started and not yet stopped, on the test realm's global: a file whose beforeAll timed
 * out never gets to stop its stack, so test/support/node-environment.js stops what is left at
 * teardown (and jest exits without --forceExit).
 */
const OPEN_STACKS = '__tenantopsOpenStacks';
function openStacks(): Set<Promise<Stack>> {
  const g = globalThis as unknown as Record<string, Set<Promise<Stack>> | undefined>;
  return (g[OPEN_STACKS] ??= new Set());
}

/** A whole tenantops (real runtime, real HTTP, signed requests) against the Slack emulator. */
export function startStack(opts: StackOptions = {}): Promise<Stack> {
  const open = openStacks();
  const starting: Promise<Stack> = startStackNow(opts).then((stack) => {
    const stop = stack.stop.bind(stack);
    let stopped: Promise<void> | undefined;
    stack.stop = () => {
      open.delete(starting);
      return (stopped ??= stop());
    };
    return stack;
  });
  open.add(starting);
  starting.catch(() => open.delete(starting));
  return starting;
}

async function startStackNow(opts: StackOptions): Promise<Stack> {
  const emulator = new SlackEmulator({
    tokens: [EMULATOR_TOKEN],
    rateLimit: opts.slackRateLimit ?? false,
  });
  const apiUrl = await emulator.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-test-'));
  const configPath = path.join(dir, 'tenantops.yaml');
  await writeFile(configPath, opts.configYaml ?? DEMO_CONFIG);
  const kind = storageUnderTest();
  const schema = kind === 'postgres' ? `t_${randomUUID().replace(/-/g, '')}` : undefined;
  const env: Record<string, string | undefined> = {
    PORT: '0',
    TENANTOPS_CONFIG: configPath,
    TENANTOPS_DATA_DIR: path.join(dir, 'data'),
    SLACK_BOT_TOKEN: EMULATOR_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: apiUrl,
    ALERT_WEBHOOK_TOKEN: 'alert-token-0123456789abcdef',
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    REDIS_URL: process.env.TEST_REDIS_URL,
    LOG_LEVEL: opts.logLines ? 'debug' : 'warn',
    ...opts.env,
  };
  const config = loadConfig(env, dir);
  const lines = opts.logLines;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines?.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const log = createLogger({ level: config.env.LOG_LEVEL, destination: sink });
  const queuePrefix = `q${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const runtimeOpts: RuntimeOptions = {
    web: opts.web ?? true,
    worker: opts.worker ?? true,
    migrate: true,
    schema,
    queuePrefix,
    clock: opts.clock,
    logger: log,
  };
  const runtime = await startRuntime(config, runtimeOpts);
  const url = `http://127.0.0.1:${runtime.port ?? 0}`;
  let seq = 0;
  const pending =
    (id: string): SlashResult['reply'] =>
    async (timeoutMs = 15000) => {
      const post = await emulator.waitFor(() => emulator.responsesTo(id)[0], timeoutMs);
      return JSON.stringify(post.body);
    };
  return {
    config,
    runtime,
    emulator,
    url,
    schema,
    queuePrefix,
    env,
    log,
    async slash(text, o = {}) {
      const id = `r${++seq}`;
      const res = await signedSlashCommand(
        `${url}/slack/events`,
        SIGNING_SECRET,
        {
          command: o.command ?? '/incident',
          // As Slack sends a command's text: `&`, `<`, `>` as entities, mentions as tokens.
          text: asSlackSends(text),
          user_id: o.user ?? 'U0ALICE',
          channel_id: o.channel ?? 'C0GENERAL',
          team_id: emulator.identity.teamId,
          response_url: emulator.responseUrl(id),
          trigger_id: `trig${seq}`,
        },
        o.sign,
      );
      return { status: res.status, reply: pending(id) };
    },
    async click(actionId, value, o = {}) {
      const id = `a${++seq}`;
      const res = await signedInteraction(`${url}/slack/events`, SIGNING_SECRET, {
        type: 'block_actions',
        team: { id: emulator.identity.teamId },
        user: { id: o.user ?? 'U0ALICE' },
        channel: { id: o.channel ?? 'C0GENERAL' },
        trigger_id: `trig${seq}`,
        response_url: emulator.responseUrl(id),
        actions: [{ type: 'button', action_id: actionId, block_id: 'b', value, action_ts: '1' }],
      });
      return { status: res.status, reply: pending(id) };
    },
    async stop() {
      await runtime.stop();
      await emulator.stop();
      if (schema && process.env.TEST_DATABASE_URL)
        await dropSchema(process.env.TEST_DATABASE_URL, schema);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
