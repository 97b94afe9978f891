// npm run bench:ack — time-to-acknowledge of signed slash commands against a running `web`
// process on real Postgres + Redis: 200 requests/s for 30 s, open loop.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { EMULATOR_TOKEN, SlackEmulator } from '../test/support/slack-emulator';
import { slackSignature, slashCommandBody } from '../test/support/slack-signing';
import {
  build,
  exited,
  freshDatabase,
  peakRssMb,
  percentile,
  runEntry,
  waitForHttp,
} from './bench-support';

const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SECRET = 'bench-signing-secret-0123456789';
const PORT = Number(process.env.BENCH_PORT ?? 3917);
const CONFIG = `tenants:
  - { id: acme, name: Acme, plan: enterprise }
  - { id: globex, name: Globex, plan: default }
incidents: { mode: channel }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ALICE, tenant: acme, role: commander }
  - { user: U0ALICE, tenant: globex, role: commander }
`;

function post(
  agent: Agent,
  text: string,
  i: number,
  responseUrl: string,
): Promise<{ ms: number; status: number }> {
  const body = slashCommandBody({
    command: '/incident',
    text,
    user_id: 'U0ALICE',
    channel_id: 'C0GENERAL',
    trigger_id: `t${i}`,
    response_url: responseUrl,
  });
  const ts = Math.floor(Date.now() / 1000);
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port: PORT,
        path: '/slack/events',
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-slack-request-timestamp': String(ts),
          'x-slack-signature': slackSignature(SECRET, ts, body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            status: res.statusCode ?? 0,
          }),
        );
      },
    );
    req.on('error', () =>
      resolve({ ms: Number(process.hrtime.bigint() - started) / 1e6, status: 0 }),
    );
    req.end(body);
  });
}

async function main(): Promise<void> {
  build();
  const emulator = new SlackEmulator({
    tokens: [EMULATOR_TOKEN],
    rateLimit: process.env.BENCH_SLACK_RATE_LIMIT === 'off' ? false : undefined,
  });
  const apiUrl = await emulator.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-bench-'));
  await writeFile(path.join(dir, 'tenantops.yaml'), CONFIG);
  const db = await freshDatabase(
    process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    `tenantops_bench_${process.pid}`,
  );
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/5';
  // The bench's own Redis database index: jobs of an earlier run would be worked here too.
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  await redis.quit();
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    PORT: String(PORT),
    TENANTOPS_CONFIG: path.join(dir, 'tenantops.yaml'),
    SLACK_BOT_TOKEN: EMULATOR_TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: apiUrl,
    LOG_LEVEL: 'warn',
  };
  const migrate = runEntry('migrate', env, (l) => console.error(`[migrate] ${l}`));
  if ((await exited(migrate)) !== 0) throw new Error('migrate failed');
  const web = runEntry('web', env, (l) => console.error(`[web] ${l}`));
  // Slack calls are delivered by the worker's queue, as in production.
  const worker = runEntry('worker', env, (l) => console.error(`[worker] ${l}`));
  try {
    await waitForHttp(`http://127.0.0.1:${PORT}/readyz`, 30_000);
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const seed = await post(
      agent,
      'declare P1 acme Seed incident for status',
      0,
      emulator.responseUrl('seed'),
    );
    if (seed.status !== 200) throw new Error(`seed declare got ${seed.status}`);
    await emulator.waitFor(() => emulator.callsTo('chat.postMessage').length > 0, 10_000);
    const total = RATE * SECONDS;
    const results: Promise<{ ms: number; status: number }>[] = [];
    const start = Date.now();
    for (let i = 1; i <= total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const text =
        i % 10 === 0
          ? `declare P2 ${i % 20 === 0 ? 'acme' : 'globex'} Bench incident ${i}`
          : 'status INC-1';
      results.push(post(agent, text, i, emulator.responseUrl(`b${i}`)));
    }
    const done = await Promise.all(results);
    const elapsed = (Date.now() - start) / 1000;
    const ms = done.map((d) => d.ms).sort((a, b) => a - b);
    const errors = done.filter((d) => d.status !== 200).length;
    const rss = peakRssMb(web.pid as number);
    console.log(
      `bench:ack  ${total} signed slash commands (90% status, 10% declare) at ${RATE}/s over ${elapsed.toFixed(1)} s`,
    );
    console.log(
      `  time to ack  p50 ${percentile(ms, 50).toFixed(1)} ms  p95 ${percentile(ms, 95).toFixed(1)} ms  p99 ${percentile(ms, 99).toFixed(1)} ms  max ${ms[ms.length - 1]?.toFixed(1)} ms`,
    );
    console.log(`  errors       ${errors}`);
    console.log(`  web peak RSS ${rss.toFixed(0)} MB`);
    console.log(
      `  targets      p99 < 100 ms: ${percentile(ms, 99) < 100 ? 'met' : 'MISSED'}; zero errors: ${errors === 0 ? 'met' : 'MISSED'}; RSS < 200 MB: ${rss < 200 ? 'met' : 'MISSED'}`,
    );
    agent.destroy();
  } finally {
    web.kill('SIGTERM');
    worker.kill('SIGTERM');
    await Promise.all([exited(web), exited(worker)]);
    await emulator.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
