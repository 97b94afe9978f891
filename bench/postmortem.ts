/**
 * bench:postmortem — the draft of an incident with 20,000 timeline events, 50 tenants, 200 alerts
 * and 5 runbook runs (synthetic, through the contributor extension), generated from real
 * Postgres (DATABASE_URL, default the local server) three times, each on a fresh incident.
 * Prints generation time per run, their spread, and peak RSS; exits 1 over 1 s or 300 MB.
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { Database } from '../src/adapters/postgres/database';
import { migrate } from '../src/adapters/postgres/migrator';
import { PgPostmortemStore } from '../src/adapters/postgres/pg-postmortem-store';
import { PgAccessStore, PgAuditLog } from '../src/adapters/postgres/pg-access-store';
import { PgIncidentStore } from '../src/adapters/postgres/pg-incident-store';
import { PostmortemRenderer } from '../src/adapters/templates/postmortem-renderer';
import { draftAtResolve } from '../src/app/postmortem-drafts';
import type { PostmortemDeps } from '../src/app/postmortem-deps';
import type { RunbookRunFact } from '../src/domain/postmortems/postmortem-record';
import { systemClock } from '../src/ports/clock';
import { seedIncident, ALERTS, EVENTS, TENANTS } from './postmortem-seed';

const RUNS = 3;
const TARGET_MS = 1000;
const TARGET_RSS_MB = 300;

function runbookRuns(): RunbookRunFact[] {
  const at = new Date(Date.now() - 3 * 3600_000);
  return Array.from({ length: 5 }, (_, i) => ({
    id: `RB-${i + 1}`,
    runbook: i % 2 ? 'tenant-throttle' : 'tenant-restore',
    tenant: `tenant-${i + 1}`,
    state: 'completed',
    startedAt: at,
    finishedAt: new Date(at.getTime() + 600_000),
    startedBy: 'U0ALICE',
    steps: [
      'pause writes',
      'restore snapshot',
      'validate checksums',
      'swap schema',
      're-enable writes',
    ].map((name, k) => ({ name, state: 'done', at: new Date(at.getTime() + k * 60_000) })),
  }));
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_pm_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const db = new Database({ connectionString: url, schema, max: 4 });
  let peakRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
  try {
    await db.owner((c) => c.query(`CREATE SCHEMA "${schema}"`));
    await migrate(db);
    const store = new PgIncidentStore(db);
    const deps: PostmortemDeps = {
      incidents: {
        store,
        access: new PgAccessStore(db),
        audit: new PgAuditLog(db),
        notifier: undefined as never,
        clock: systemClock,
      },
      store: new PgPostmortemStore(db),
      renderer: new PostmortemRenderer('Europe/Madrid', undefined),
      contributors: [
        { name: 'runbooks', contribute: () => Promise.resolve({ runbookRuns: runbookRuns() }) },
      ],
      announcer: { announce: () => Promise.resolve() },
      clock: systemClock,
      settings: {
        timezone: 'Europe/Madrid',
        dueBusinessDays: 5,
        holidays: [],
        tenantNames: new Map(),
      },
      log: pino({ level: 'warn' }),
    };
    console.log(
      `bench:postmortem — ${EVENTS} timeline events, ${TENANTS} tenants, ${ALERTS} alerts, 5 runbook runs; real Postgres`,
    );
    const times: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const incident = await seedIncident(db, run);
      const started = process.hrtime.bigint();
      const draft = await draftAtResolve(deps, incident);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      times.push(ms);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      console.log(
        `run ${run}: generated v${draft.version} (${(draft.markdown.length / 1024).toFixed(0)} KiB) in ${ms.toFixed(0)} ms`,
      );
    }
    const rssMb = Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 1024 / 1024;
    const min = Math.min(...times);
    const max = Math.max(...times);
    console.log(
      `generation: min ${min.toFixed(0)} ms, max ${max.toFixed(0)} ms, spread ${(max - min).toFixed(0)} ms (target < ${TARGET_MS} ms)`,
    );
    console.log(`peak RSS: ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB; includes tsx)`);
    const ok = max < TARGET_MS && rssMb < TARGET_RSS_MB;
    console.log(ok ? 'PASS' : 'FAIL: a target was missed');
    process.exitCode = ok ? 0 : 1;
  } finally {
    clearInterval(sample);
    await db
      .owner((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`))
      .catch(() => undefined);
    await db.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
