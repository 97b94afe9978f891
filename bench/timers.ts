// npm run bench:timers — 10,000 tenant SLA clocks across 2,000 incidents, all due within the same
// 60 s, on real Postgres + Redis with 2 worker processes and the Slack emulator (1 msg/s per
// channel). Prints breach lateness, duplicates, misses, 429s and worker RSS; then the same run
// with the Redis state wiped at second 30 of the window (FLUSHALL by default: use a Redis of
// its own; BENCH_FLUSH=FLUSHDB wipes only the bench's database index).
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { EMULATOR_TOKEN, SlackEmulator } from '../test/support/slack-emulator';
import { build, exited, freshDatabase, peakRssMb, runEntry } from './bench-support';
import { analyse, print, type RunFigures } from './timers-report';
import {
  benchConfig,
  CLOCKS,
  recorded,
  seed,
  STORM,
  WINDOW_MS,
  type Due,
  type Shape,
} from './timers-seed';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/6';
const FLUSH = process.env.BENCH_FLUSH === 'FLUSHDB' ? 'FLUSHDB' : 'FLUSHALL';
/** Time for the workers to start and the reconciler to schedule every clock. */
const LEAD_MS = 20_000;
/** How long after the window late breaches are still awaited (after a wipe: past the 60 s
 * post lease, so events whose delivery was lost are re-posted, and duplicates would show). */
const DRAIN_MS = 15_000;
const DRAIN_AFTER_WIPE_MS = 75_000;
const WORKERS = 2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function startWorkers(env: Record<string, string>): ChildProcess[] {
  return Array.from({ length: WORKERS }, (_, i) =>
    runEntry('worker', env, (line) => {
      // Reconciler passes and anything at warn or above; info chatter stays quiet.
      if (/SLA timers reconciled|"level":(40|50|60)/.test(line))
        console.error(`[worker ${i + 1}] ${line.slice(0, 400)}`);
    }),
  );
}

async function stopWorkers(workers: ChildProcess[]): Promise<void> {
  for (const w of workers) w.kill('SIGTERM');
  const done = Promise.all(workers.map((w) => exited(w)));
  if ((await Promise.race([done, sleep(20_000).then(() => 'timeout')])) === 'timeout') {
    for (const w of workers) w.kill('SIGKILL');
    await done;
  }
}

/** Waits until the window plus the drain time is over (or, if `early`, every breach was posted). */
async function awaitBreaches(
  emulator: SlackEmulator,
  dues: Due[],
  until: number,
  early: boolean,
): Promise<void> {
  const incidentOf = (channel: string) => Number(channel.slice(2));
  for (let tick = 0; Date.now() < until; tick++) {
    const f = analyse('progress', dues, emulator.calls, incidentOf);
    if (early && f.delivered === dues.length) return;
    if (tick % 5 === 0) {
      const posts = emulator.callsTo('chat.postMessage').length;
      console.error(
        `[bench] breaches ${f.delivered}/${dues.length}, warnings ${f.warnings}, postMessage calls ${posts}, 429s ${f.rejected429}`,
      );
    }
    await sleep(1000);
  }
}

/** The storm's demand: its clocks over its minute. */
const DEMAND_PER_S = CLOCKS / (WINDOW_MS / 1000);
/** Capacity is measured on single-tenant incidents: no breach shares a message or a claim. */
const BACKLOG: Shape = { incidents: CLOCKS, tenantsPerIncident: 1 };

interface RunOptions {
  flushAtMs?: number;
  /** Clocks all overdue when the workers start (the capacity run). */
  backlog?: boolean;
}

async function runOnce(label: string, opts: RunOptions = {}): Promise<RunFigures> {
  const { flushAtMs, backlog = false } = opts;
  const emulator = new SlackEmulator({ tokens: [EMULATOR_TOKEN] });
  const apiUrl = await emulator.start();
  const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-bench-timers-'));
  await writeFile(path.join(dir, 'tenantops.yaml'), benchConfig());
  const db = await freshDatabase(ADMIN_URL, `tenantops_bench_timers_${process.pid}`);
  const redis = new Redis(REDIS_URL);
  // Leftover timers of an earlier run would fire against this run's incidents.
  await redis.flushdb();
  const env = {
    DATABASE_URL: db.url,
    REDIS_URL,
    TENANTOPS_CONFIG: path.join(dir, 'tenantops.yaml'),
    SLACK_BOT_TOKEN: EMULATOR_TOKEN,
    SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789',
    SLACK_API_URL: apiUrl,
    LOG_LEVEL: 'info',
  };
  let workers: ChildProcess[] = [];
  try {
    const migrate = runEntry('migrate', env, (l) => console.error(`[migrate] ${l}`));
    if ((await exited(migrate)) !== 0) throw new Error('migrate failed');
    // A backlog's clocks fell due during the minute before now: all overdue at worker start.
    const windowStart = backlog ? Date.now() - WINDOW_MS : Date.now() + LEAD_MS;
    const dues = await seed(db.url, windowStart, backlog ? BACKLOG : STORM);
    console.error(
      `[bench] ${label}: ${dues.length} clocks due ${new Date(windowStart).toISOString()} + 60 s`,
    );
    workers = startWorkers(env);
    const flush =
      flushAtMs === undefined
        ? undefined
        : setTimeout(
            () => {
              console.error(`[bench] ${FLUSH} at second ${flushAtMs / 1000} of the window`);
              void redis.call(FLUSH);
            },
            windowStart + flushAtMs - Date.now(),
          );
    const drain = flushAtMs === undefined ? DRAIN_MS : DRAIN_AFTER_WIPE_MS;
    // After a wipe, wait the whole drain: a re-post after the lease would be a duplicate.
    const until = backlog ? Date.now() + LEAD_MS + 4 * WINDOW_MS : windowStart + WINDOW_MS + drain;
    await awaitBreaches(emulator, dues, until, flushAtMs === undefined);
    clearTimeout(flush);
    const workerPeakRssMb = workers.map((w) => peakRssMb(w.pid as number));
    await stopWorkers(workers);
    const incidentOf = (channel: string) => Number(channel.slice(2));
    return {
      ...analyse(label, dues, emulator.calls, incidentOf),
      workerPeakRssMb,
      db: await recorded(db.url),
    };
  } finally {
    await stopWorkers(workers.filter((w) => w.exitCode === null && w.signalCode === null));
    await redis.quit();
    await emulator.stop();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Capacity: every clock already due when the workers start, each on an incident of its own;
 * breaches per second from the first claimed to the last posted (Postgres' times).
 */
function capacity(f: RunFigures): number {
  const spanS = (f.db.lastPosted - f.db.firstFired) / 1000;
  return f.db.posted / Math.max(spanS, 0.001);
}

async function main(): Promise<void> {
  // BENCH_SKIP_BUILD=1 reuses dist/ from an earlier `npm run build`.
  if (process.env.BENCH_SKIP_BUILD !== '1') build();
  const incidents = STORM.incidents.toLocaleString('en');
  // BENCH_ONLY=plain skips the wiped run (a quicker look at lateness); BENCH_ONLY=capacity runs
  // the capacity run alone (a quicker look at the ceiling; the exit status then says only that).
  const only = process.env.BENCH_ONLY;
  const runs: RunFigures[] = [];
  if (only !== 'capacity') {
    const plain = await runOnce(
      `${CLOCKS.toLocaleString('en')} clocks, ${incidents} incidents, due within 60 s, 2 workers`,
    );
    print(plain);
    runs.push(plain);
    if (only !== 'plain') {
      const flushed = await runOnce(`same, ${FLUSH} at second 30`, { flushAtMs: 30_000 });
      print(flushed);
      runs.push(flushed);
    }
  }
  const full = await runOnce(
    `capacity: ${CLOCKS.toLocaleString('en')} clocks already due at worker start, one incident each`,
    { backlog: true },
  );
  print(full, false);
  const perS = capacity(full);
  const ratio = perS / DEMAND_PER_S;
  const ok = (cond: boolean) => (cond ? 'ok' : 'MISSED TARGET');
  console.log(`\n== capacity against the storm (same run) ==`);
  console.log(
    `ceiling: ${Math.round(perS)} breaches/s claimed and posted (${full.db.posted} in ${((full.db.lastPosted - full.db.firstFired) / 1000).toFixed(1)} s; claim alone ${Math.round(full.db.posted / Math.max((full.db.lastFired - full.db.firstFired) / 1000, 0.001))}/s)`,
  );
  console.log(
    `demand:  ${Math.round(DEMAND_PER_S)} breaches/s (the storm)   ratio ${ratio.toFixed(2)}   >= 2: ${ok(ratio >= 2)}`,
  );
  const failed =
    [...runs, full].some((f) => f.duplicates > 0 || f.misses > 0) ||
    (runs[0] !== undefined && runs[0].p99 >= 1000) ||
    ratio < 2;
  process.exitCode = failed ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
