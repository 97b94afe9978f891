// npm run bench:alerts — an alert storm against `web` + `worker` on real Postgres (a fresh
// database) and Redis, with the Slack emulator rate limiting chat.postMessage (1/s per channel,
// burst 3): 10,000 Alertmanager alerts for 500 tenants in notifications of 20, 10 % delivered
// twice, posted as fast as the endpoint takes them. Then the raw ceiling: BullMQ addBulk of the
// same count on the same Redis.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { EMULATOR_TOKEN, SlackEmulator } from '../test/support/slack-emulator';
import { build, exited, freshDatabase, percentile, runEntry, waitForHttp } from './bench-support';
import { idealSlots, postJson, stormPayloads, tenantId, type StormPayload } from './alerts-storm';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 500);
const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const GROUP = 20;
const DUPLICATES = 0.1;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PORT = Number(process.env.BENCH_PORT ?? 3918);
const TIMEOUT_S = Number(process.env.BENCH_TIMEOUT_S ?? 1200);
// Its own Redis database index: other benchmarks flush theirs.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const TOKEN = 'bench-alert-token-0123456789abcdef';
const CHANNEL = 'C0INCIDENTS';
const RATE = { perSecond: 1, burst: 3 };
/**
 * Before the storm, WARMUP payloads of alerts that a rule ignores go the same way (intake,
 * worker): a production web and worker have served alerts before a storm comes, and a process's
 * first requests of a kind run cold code (V8 compiles it meanwhile, on the same 2 cores).
 */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const WARMUP_NAME = 'BenchWarmup';

function configYaml(): string {
  const tenants = Array.from(
    { length: TENANTS },
    (_, i) => `  - { id: ${tenantId(i)}, name: Tenant ${i}, plan: default }`,
  );
  // The warm-up's alerts are stored and processed like the storm's, and a rule ignores them.
  const rules = `alerts:\n  rules:\n    - { match: { alertname: ${WARMUP_NAME} }, action: ignore }\n`;
  return `tenants:\n${tenants.join('\n')}\nincidents: { mode: channel }\nincidentChannel: ${CHANNEL}\n${rules}`;
}

async function clearQueues(url: string): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys('bull:*');
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  await redis.quit();
}

/** Posts every payload, CONCURRENCY at a time; returns when each tenant's first copy was accepted. */
async function ingest(
  payloads: StormPayload[],
): Promise<{ ms: number; accepted: number; refused: number; readyAt: Map<string, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const readyAt = new Map<string, number>();
  let next = 0;
  let accepted = 0;
  let refused = 0;
  const start = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < payloads.length) {
        const p = payloads[next++] as StormPayload;
        const status = await postJson(agent, PORT, '/alerts/alertmanager', TOKEN, p.body);
        if (status !== 202) refused += p.alerts;
        else {
          accepted += p.alerts;
          if (!readyAt.has(p.tenant)) readyAt.set(p.tenant, Date.now());
        }
      }
    }),
  );
  agent.destroy();
  return { ms: Date.now() - start, accepted, refused, readyAt };
}

/** Thread posts per tenant (first one's time) as the emulator saw them. */
function threads(emulator: SlackEmulator): Map<string, number[]> {
  const byTenant = new Map<string, number[]>();
  for (const c of emulator.callsTo('chat.postMessage')) {
    if (c.status !== 200 || c.args.channel !== CHANNEL || c.args.thread_ts) continue;
    const tenant = /tenant \*(tenant-\d+)\*/.exec(String(c.args.text))?.[1];
    if (tenant) byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), c.time]);
  }
  return byTenant;
}

async function until(
  check: () => boolean | Promise<boolean>,
  deadline: number,
  what: string,
): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within the bench timeout`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Waits until the worker process is up (its BullMQ workers are connected), so it isn't starting during the storm. */
async function waitForWorkers(queues: string[], deadline: number): Promise<void> {
  const connection = new Redis(REDIS_URL);
  try {
    for (const name of queues) {
      const queue = new Queue(name, { connection });
      await until(async () => (await queue.getWorkersCount()) > 0, deadline, `a ${name} worker`);
      await queue.close();
    }
  } finally {
    await connection.quit();
  }
}

/** The raw ceiling: BullMQ addBulk of `count` jobs on the same Redis (best of three). */
async function rawCeiling(count: number): Promise<number> {
  const connection = new Redis(REDIS_URL);
  const queue = new Queue('bench-raw', { connection, prefix: 'benchraw' });
  const jobs = Array.from({ length: count }, (_, i) => ({
    name: 'alert',
    data: { tenant: tenantId(i % TENANTS), i },
  }));
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const t = process.hrtime.bigint();
    await queue.addBulk(jobs);
    best = Math.max(best, count / (Number(process.hrtime.bigint() - t) / 1e9));
    await queue.obliterate({ force: true });
  }
  await queue.close();
  await connection.quit();
  return best;
}

async function verify(
  dbUrl: string,
): Promise<{ stored: number; grouped: number; unprocessed: number; failedCalls: number }> {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const q = async (sql: string) => Number((await c.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
  const storm = `name <> '${WARMUP_NAME}'`;
  const out = {
    stored: await q(`SELECT count(*) AS n FROM alerts WHERE ${storm}`),
    grouped: await q(`SELECT coalesce(sum(total_count), 0) AS n FROM alert_groups WHERE ${storm}`),
    unprocessed: await q('SELECT count(*) AS n FROM alert_payloads WHERE processed_at IS NULL'),
    failedCalls: await q('SELECT count(*) AS n FROM slack_failures'),
  };
  await c.end();
  return out;
}

interface Figures {
  payloads: StormPayload[];
  run: Awaited<ReturnType<typeof ingest>>;
  allThreadsMs: number;
  late: number[];
  upToDate: number;
  checked: Awaited<ReturnType<typeof verify>>;
  raw: number;
  duplicateThreads: number;
}

/** The storm, then the wait for every tenant's thread, then the checks and the raw ceiling. */
async function measure(emulator: SlackEmulator, dbUrl: string, deadline: number): Promise<Figures> {
  if (WARMUP > 0) {
    const warm = await ingest(stormPayloads(TENANTS, WARMUP * GROUP, GROUP, 0, WARMUP_NAME));
    if (warm.refused > 0) throw new Error(`warm-up: ${warm.refused} alerts refused`);
    await until(async () => (await verify(dbUrl)).unprocessed === 0, deadline, 'warm-up processed');
  }
  const payloads = stormPayloads(TENANTS, ALERTS, GROUP, DUPLICATES);
  const start = Date.now();
  const run = await ingest(payloads);
  await until(() => threads(emulator).size >= TENANTS, deadline, 'a thread for every tenant');
  const threaded = threads(emulator);
  const firsts = [...threaded.values()].map((t) => Math.min(...t)).sort((a, b) => a - b);
  // Lateness against a perfect sender under the same limit, fed the same ready times.
  const ready = [...run.readyAt.values()].sort((a, b) => a - b);
  const ideal = idealSlots(ready, 1000 / RATE.perSecond, RATE.burst);
  const late = firsts.map((t, i) => t - (ideal[i] ?? t)).sort((a, b) => a - b);
  await until(
    async () => (await verify(dbUrl)).unprocessed === 0,
    deadline,
    'every payload processed',
  );
  // Coalesced edits catch up: every thread ends up showing all its alerts.
  const upToDate = () =>
    emulator.messagesIn(CHANNEL).filter((m) => m.text.includes(`${GROUP} of ${GROUP} firing`))
      .length;
  await until(
    () => upToDate() >= TENANTS,
    Math.min(deadline, Date.now() + 120_000),
    'threads up to date',
  ).catch(() => undefined);
  return {
    payloads,
    run,
    allThreadsMs: (firsts.at(-1) ?? start) - start,
    late,
    upToDate: upToDate(),
    checked: await verify(dbUrl),
    raw: await rawCeiling(ALERTS),
    duplicateThreads: [...threaded.values()].filter((t) => t.length > 1).length,
  };
}

/** Prints the figures; false when a target is missed. */
function report(f: Figures, emulator: SlackEmulator): boolean {
  const rate = f.run.accepted / (f.run.ms / 1000);
  const calls = emulator.calls.filter(
    (c) => c.method.startsWith('chat.') || c.method.startsWith('conversations.'),
  );
  const lost = ALERTS - Math.min(f.checked.stored, f.checked.grouped);
  const maxLate = f.late.at(-1) ?? 0;
  const floor = (TENANTS - RATE.burst) / RATE.perSecond;
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  console.log(
    `bench:alerts  ${ALERTS} Alertmanager alerts for ${TENANTS} tenants, ${GROUP} per notification, ${f.payloads.filter((p) => p.duplicate).length} notifications delivered twice, ${CONCURRENCY} in flight (after a warm-up of ${WARMUP} notifications that a rule ignores)`,
  );
  console.log(
    `  ingest           ${f.run.accepted} alerts accepted in ${(f.run.ms / 1000).toFixed(2)} s = ${rate.toFixed(0)} alerts/s (refused: ${f.run.refused})`,
  );
  console.log(
    `  raw ceiling      BullMQ addBulk of ${ALERTS} jobs on the same Redis: ${f.raw.toFixed(0)} jobs/s; ours / raw = ${(rate / f.raw).toFixed(2)}`,
  );
  console.log(
    `  threads          every tenant's thread after ${(f.allThreadsMs / 1000).toFixed(1)} s (the rate limit allows ${floor.toFixed(0)} s); first message later than the limit allowed: p50 ${percentile(f.late, 50).toFixed(0)} ms, p99 ${percentile(f.late, 99).toFixed(0)} ms, max ${maxLate.toFixed(0)} ms; ${f.upToDate}/${TENANTS} threads show all their alerts`,
  );
  console.log(
    `  slack calls      ${calls.length} (${emulator.callsTo('chat.postMessage').length} chat.postMessage, ${emulator.callsTo('chat.update').length} chat.update); 429s received ${calls.filter((c) => c.status === 429).length}; calls failed for good ${f.checked.failedCalls}`,
  );
  console.log(
    `  alerts           ${f.checked.stored} stored, ${f.checked.grouped} in groups; lost ${lost}; duplicate threads ${f.duplicateThreads}`,
  );
  console.log(
    `  targets          >= 2000 alerts/s: ${met(rate >= 2000)}; ratio >= ${MIN_RATIO}: ${met(rate / f.raw >= MIN_RATIO)}; first message within 1 s of the limit: ${met(maxLate <= 1000)}; zero lost: ${met(lost === 0)}; zero duplicate threads: ${met(f.duplicateThreads === 0)}; zero unhandled 429s: ${met(f.checked.failedCalls === 0)}`,
  );
  return (
    rate >= 2000 &&
    rate / f.raw >= MIN_RATIO &&
    maxLate <= 1000 &&
    lost === 0 &&
    f.duplicateThreads === 0 &&
    f.checked.failedCalls === 0
  );
}

/** Intake against the raw BullMQ addBulk ceiling measured in the same run (issue 12). */
const MIN_RATIO = 0.5;

async function main(): Promise<void> {
  build();
  const emulator = new SlackEmulator({ tokens: [EMULATOR_TOKEN], rateLimit: RATE });
  const apiUrl = await emulator.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-bench-alerts-'));
  await writeFile(path.join(dir, 'tenantops.yaml'), configYaml());
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const db = await freshDatabase(adminUrl, `tenantops_bench_alerts_${process.pid}`);
  await clearQueues(REDIS_URL);
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    PORT: String(PORT),
    TENANTOPS_CONFIG: path.join(dir, 'tenantops.yaml'),
    SLACK_BOT_TOKEN: EMULATOR_TOKEN,
    SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789',
    SLACK_API_URL: apiUrl,
    ALERT_WEBHOOK_TOKEN: TOKEN,
    LOG_LEVEL: 'warn',
  };
  const migrate = runEntry('migrate', env, (l) => console.error(`[migrate] ${l}`));
  if ((await exited(migrate)) !== 0) throw new Error('migrate failed');
  const web = runEntry('web', env, (l) => console.error(`[web] ${l}`));
  const worker = runEntry('worker', env, (l) => console.error(`[worker] ${l}`));
  try {
    await waitForHttp(`http://127.0.0.1:${PORT}/readyz`, 30_000);
    await waitForWorkers(['alerts', 'slack-delivery'], Date.now() + 30_000);
    const met = report(await measure(emulator, db.url, Date.now() + TIMEOUT_S * 1000), emulator);
    process.exitCode = met ? 0 : 1;
  } finally {
    web.kill('SIGTERM');
    worker.kill('SIGTERM');
    await Promise.all([exited(web), exited(worker)]);
    await emulator.stop();
    await db.drop();
    await clearQueues(REDIS_URL);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
