import { createHash } from 'node:crypto';
import path from 'node:path';
import { backupRunbook, restoreRunbook } from '../app/runbooks/data-runbooks';
import { migrateRunbook } from '../app/runbooks/migrate-runbook';
import { corruptionRunbook } from '../app/runbooks/corruption-runbook';
import { leakRunbook } from '../app/runbooks/leak-runbook';
import { throttleRunbook } from '../app/runbooks/throttle-runbook';
import { incidentRunbookOps } from './incident-runbook-ops';
import { resolveMigrationsDir } from '../adapters/target/migration-files';
import type { RunbookDef } from '../app/runbooks/runbook-def';
import { RUNBOOK_MESSAGE, type RunbookDeps } from '../app/runbooks/runbook-deps';
import { parseIsoDuration } from '../domain/sla/duration';
import { RUNBOOK_JOBS, RUNBOOK_QUEUE, type RunbookJobData } from '../ports/runbook-store';
import type { TargetSystem } from '../ports/target-system';
import { PgBackupCatalog } from '../adapters/postgres/pg-backup-catalog';
import { PgRunbookStore } from '../adapters/postgres/pg-runbook-store';
import type { AppQueue, AppWorker } from '../adapters/queue/queue-backend';
import { BullmqRunbookJobs } from '../adapters/queue/runbook-queue';
import { pollOnPostgres } from '../adapters/queue/worker-polling';
import { ChatRunbookNotices, runbookMessageSource } from '../adapters/slack/runbook-message-source';
import { lazyTarget } from '../adapters/target/lazy-target';
import { openTargetSystem } from '../adapters/target/open-target';
import { damageDemoTenant } from '../adapters/target/demo-target';
import { runbookProcessor } from '../../jobs/runbook-step';
import { outboxFor } from './deps';
import type { ModuleContext, ModuleFactory, RuntimeModule } from './module';
import { runbookStatusSection, runbookTenantSection } from '../../commands/runbook-sections';
import { RunbookReconciler } from './runbook-reconciler';
import { keyRotateRunbook } from '../app/runbooks/key-rotate-runbook';
import { keyRotationWatch } from '../app/runbooks/key-rotation-watch';
import { PgKeyWatchLedger } from '../adapters/postgres/pg-key-watch-ledger';
import { ChatKeyWatchNotices } from '../adapters/slack/key-watch-notices';
import { openTenantKeys } from './tenant-keys';
import type { TenantKeys } from '../ports/tenant-keys';

/** The runbooks this build runs (PRODUCT §8); the others answer "not available in this build". */
export const RUNBOOKS: RunbookDef[] = [
  backupRunbook,
  restoreRunbook,
  migrateRunbook,
  leakRunbook,
  throttleRunbook,
  corruptionRunbook,
];

const NO_TARGET =
  'TARGET_DATABASE_URL is not set: this runbook acts on the SaaS database, so it cannot run here. Set TARGET_DATABASE_URL (console mode without it uses the embedded demo target).';

/**
 * The target the runbooks act on: TARGET_DATABASE_URL; in console mode without it, the embedded
 * demo target (started on first use); in `web`/`worker` without it, none (runbooks refuse).
 */
function targetOf(
  ctx: ModuleContext,
  catalog: PgBackupCatalog,
  onDemo?: (url: string) => void,
): TargetSystem | undefined {
  const url = ctx.config.env.TARGET_DATABASE_URL;
  if (!url && !ctx.console) return undefined;
  const open = () =>
    openTargetSystem({
      url,
      dataDir: ctx.config.dataDir,
      allowDemo: ctx.console,
      schemaPattern: ctx.config.file.target.schemaPattern,
      appRole: ctx.config.file.target.appRole,
      catalog,
      log: (msg) => ctx.log.debug({ module: 'runbooks' }, msg),
      onDemo,
      migrationsDir: resolveMigrationsDir(
        ctx.config.configPath,
        ctx.config.file.target.migrationsDir,
      ),
    });
  const where = url
    ? 'TARGET_DATABASE_URL'
    : `demo target under ${path.join(ctx.config.dataDir, 'demo-target')}`;
  return lazyTarget(open, !url, where);
}

export function runbookDeps(
  ctx: ModuleContext,
  defs: readonly RunbookDef[],
  catalog: PgBackupCatalog,
  queue: AppQueue<RunbookJobData>,
  keys: TenantKeys,
  onDemo?: (url: string) => void,
): RunbookDeps {
  const store = new PgRunbookStore(ctx.storage.db);
  const outbox = outboxFor(ctx.chat);
  const platform = ctx.config.file.platformChannel ?? ctx.config.file.incidentChannel;
  const target = targetOf(ctx, catalog, onDemo);
  const deps: RunbookDeps = {
    store,
    jobs: new BullmqRunbookJobs(queue, ctx.clock),
    incidents: ctx.incidents,
    outbox,
    notices: new ChatRunbookNotices(outbox, platform, ctx.chat),
    ...(target ? { target } : {}),
    noTarget: NO_TARGET,
    runbooks: Object.fromEntries(defs.map((d) => [d.name, d])),
    clock: ctx.clock,
    settings: {
      rtoMs: parseIsoDuration(ctx.config.file.backups.rto),
      leaseMs: parseIsoDuration(ctx.config.file.runbooks.stepLease),
      maxAttempts: 6,
    },
    log: ctx.log.child({ module: 'runbooks' }),
  };
  deps.ops = incidentRunbookOps(ctx, deps, keys);
  return deps;
}

const RPO_WATCH_EVERY_MS = 60 * 60 * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runbooks (PRODUCT §8): `/runbook` in every process; in worker processes the `runbooks`
 * BullMQ worker, the reconciler that re-queues runs left without a job (a worker killed
 * mid-step), and — with a real target — the backup schedules and the RPO watch.
 */
export function createRunbookModule(defs: readonly RunbookDef[] = RUNBOOKS): ModuleFactory {
  return (ctx): RuntimeModule => {
    const catalog = new PgBackupCatalog(ctx.storage.db);
    const queue = ctx.queues.createQueue<RunbookJobData>(RUNBOOK_QUEUE);
    let demoUrl: string | undefined;
    const keyStore = openTenantKeys(ctx);
    const allDefs = [...defs, keyRotateRunbook(keyStore.keys)];
    const deps = runbookDeps(ctx, allDefs, catalog, queue, keyStore.keys, (url) => (demoUrl = url));
    deps.outbox.register(
      RUNBOOK_MESSAGE,
      runbookMessageSource({
        store: deps.store,
        outbox: deps.outbox,
        clock: ctx.clock,
        rtoMs: deps.settings.rtoMs,
        kind: RUNBOOK_MESSAGE,
      }),
    );
    let worker: AppWorker<RunbookJobData> | undefined;
    let reconciler: RunbookReconciler | undefined;
    return {
      name: 'runbooks',
      queues: [queue],
      commandDeps: { runbooks: deps },
      statusSections: [runbookStatusSection(deps)],
      tenantSections: [
        runbookTenantSection(deps, catalog, parseIsoDuration(ctx.config.file.backups.rpo)),
      ],
      consoleCommands: deps.target?.demo
        ? [
            {
              name: ':damage',
              usage:
                ':damage <tenant>             break a demo tenant (delete orders, zero prices) to restore it',
              async run(arg) {
                const tenant = arg.trim() || 'acme';
                // Opening the target (on first use) also tells the demo's URL.
                const schema = await (deps.target as TargetSystem).schemaOf(tenant);
                if (!demoUrl) return 'the demo target is not open';
                return `demo target: ${await damageDemoTenant(demoUrl, schema)}`;
              },
            },
          ]
        : [],
      readiness: [
        { name: 'runbooks', check: async () => void (await queue.getJobCounts('waiting')) },
      ],
      async queueDepths() {
        const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
        return Object.entries(counts).map(([state, count]) => ({
          queue: RUNBOOK_QUEUE,
          state,
          count,
        }));
      },
      async start() {
        await keyStore.startRenewal();
        if (!ctx.worker) return;
        const keyWatch = {
          runbooks: deps,
          keys: keyStore.keys,
          notices: new ChatKeyWatchNotices(deps.outbox, platformOf(ctx), ctx.clock),
          ledger: new PgKeyWatchLedger(ctx.storage.db),
          rotateEvery: ctx.config.file.vault.rotateEvery,
        };
        const schedules = {
          catalog,
          tenants: () => deps.store.tenantsAddedAt(),
          rpoMs: parseIsoDuration(ctx.config.file.backups.rpo),
          everyMs: RPO_WATCH_EVERY_MS,
          keyWatch: async () =>
            keyRotationWatch(
              keyWatch,
              (await deps.store.tenantsAddedAt()).map((t) => t.id),
            ),
        };
        worker = ctx.queues.createWorker(RUNBOOK_QUEUE, runbookProcessor(deps, schedules), {
          concurrency: ctx.queues.kind === 'redis' ? 8 : 2,
        });
        pollOnPostgres(worker, ctx.queues.kind);
        worker.on('failed', (job, err) =>
          deps.log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'runbook job failed'),
        );
        worker.on('error', (err) => deps.log.error({ err }, 'runbook worker error'));
        reconciler = new RunbookReconciler(deps, 30_000);
        await reconciler.start();
        // Schedules act on the real target only: the demo target is backed up on demand.
        if (ctx.config.env.TARGET_DATABASE_URL) await schedule(ctx, queue);
        if (!ctx.console) await scheduleKeyWatch(ctx, queue);
      },
      async stop() {
        keyStore.stop();
        await reconciler?.stop();
        await worker?.close();
        await deps.target?.close();
      },
      async idle() {
        for (let i = 0; worker && i < 600; i++) {
          const c = await queue.getJobCounts('active', 'waiting', 'prioritized');
          if (!c.active && !c.waiting && !c.prioritized) return;
          await sleep(100);
        }
      },
    };
  };
}

/** A stable point in [0, period) for `key`. */
function spread(key: string, period: number): number {
  return createHash('sha256').update(key).digest().readUInt32BE(0) % period;
}

/** Backups of every tenant on `backups.fullEvery` / `incrementalEvery`; the RPO watch hourly. */
async function schedule(ctx: ModuleContext, queue: AppQueue<RunbookJobData>): Promise<void> {
  const { fullEvery, incrementalEvery } = ctx.config.file.backups;
  for (const t of ctx.config.file.tenants) {
    for (const [kind, every] of [
      ['full', fullEvery],
      ['incremental', incrementalEvery],
    ] as const) {
      const period = parseIsoDuration(every);
      // BullMQ runs an `every` scheduler's first job at once; an offset from the tenant's name
      // spreads the tenants over the period instead (the same on every restart), so a deploy
      // never backs every tenant up at the same moment.
      await queue.upsertJobScheduler(
        `backup-${kind}-${t.id}`,
        { every: period, offset: spread(`${kind}:${t.id}`, period) },
        // The scheduler's data is a backup's, not a run's: the processor tells them apart by name.
        {
          name: RUNBOOK_JOBS.scheduledBackup,
          data: { tenant: t.id, kind } as unknown as RunbookJobData,
        },
      );
    }
  }
  await queue.upsertJobScheduler(
    'rpo-watch',
    { every: RPO_WATCH_EVERY_MS, offset: spread('rpo-watch', RPO_WATCH_EVERY_MS) },
    { name: RUNBOOK_JOBS.rpoWatch, data: {} as RunbookJobData },
  );
  ctx.log.info({ tenants: ctx.config.file.tenants.length }, 'backup schedules and RPO watch set');
}

const platformOf = (ctx: ModuleContext) =>
  ctx.config.file.platformChannel ?? ctx.config.file.incidentChannel;

/** The key rotation watch, every 6 h: warnings at 5.5 months, a rotation run when due. */
async function scheduleKeyWatch(
  ctx: ModuleContext,
  queue: AppQueue<RunbookJobData>,
): Promise<void> {
  await queue.upsertJobScheduler(
    'key-rotation-watch',
    { every: KEY_WATCH_EVERY_MS, offset: spread('key-rotation-watch', KEY_WATCH_EVERY_MS) },
    { name: RUNBOOK_JOBS.keyRotationWatch, data: {} as RunbookJobData },
  );
}

const KEY_WATCH_EVERY_MS = 6 * 60 * 60 * 1000;

export const runbookModule: ModuleFactory = createRunbookModule();
