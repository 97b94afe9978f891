import type { AppConfig } from '../config/load-config';
import { provideSla, type SlaDeps, type SlaSettings } from '../app/sla-deps';
import { slaListener } from '../app/sla-listener';
import { parseIsoDuration } from '../domain/sla/duration';
import { SLA_QUEUE, type SlaTimerData } from '../ports/sla-timers';
import { PgSlaStore } from '../adapters/postgres/pg-sla-store';
import { BullmqSlaTimers } from '../adapters/queue/sla-timer-queue';
import type { AppWorker } from '../adapters/queue/queue-backend';
import { ChatSecurityRoom } from '../adapters/slack/sla-security-room';
import { slaTimerProcessor } from '../../jobs/sla-timer';
import type { ModuleFactory, RuntimeModule } from './module';
import { ReconcileLoop, type ReconcilerOptions } from './sla-reconciler';

export interface SlaModuleOptions extends ReconcilerOptions {
  /** Timer jobs processed at once per worker process (default: 16 on Redis, 4 on Postgres). */
  concurrency?: number;
  /** How long a worker may hold fired events to post them before another takes over. */
  leaseMs: number;
  /** Longest wait of `idle()` for running timer jobs (console mode's exit). */
  idleTimeoutMs: number;
}

export const SLA_DEFAULTS: SlaModuleOptions = {
  tickMs: 1000,
  stalledEvery: 5,
  fullEvery: 60,
  leaseMs: 60_000,
  idleTimeoutMs: 30_000,
};

export function slaSettings(config: AppConfig, leaseMs: number): SlaSettings {
  return {
    policies: config.file.slaPolicies,
    notifyWithinMs: parseIsoDuration(config.file.security.notifyWithin),
    postmortem: config.file.postmortem,
    mode: config.file.incidents.mode,
    leaseMs,
  };
}

/**
 * BullMQ's Postgres backend blocks a worker until its next delayed job is due (up to an hour)
 * and relies on NOTIFY to wake it for new jobs; PGlite can't NOTIFY across connections, so
 * with a far timer queued a new near one would wait. Cap the block at the poll interval.
 */
function pollOnPglite(worker: AppWorker<SlaTimerData>, seconds: number): void {
  Object.defineProperty(worker, 'maximumBlockTimeout', { get: () => seconds });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SLA clocks (PRODUCT.md §7): listens to incident changes in every process, and in worker
 * processes runs the `sla-timers` BullMQ worker and the reconciler that rebuilds timers from
 * Postgres.
 */
export function createSlaModule(overrides: Partial<SlaModuleOptions> = {}): ModuleFactory {
  return (ctx): RuntimeModule => {
    const opts = { ...SLA_DEFAULTS, ...overrides };
    const log = ctx.log.child({ module: 'sla' });
    const queue = ctx.queues.createQueue<SlaTimerData>(SLA_QUEUE);
    const deps: SlaDeps = {
      store: new PgSlaStore(ctx.storage.db),
      timers: new BullmqSlaTimers(queue, ctx.clock),
      incidents: ctx.incidents,
      room: new ChatSecurityRoom(ctx.chat),
      clock: ctx.clock,
      settings: slaSettings(ctx.config, opts.leaseMs),
      log,
    };
    (ctx.incidents.listeners ??= []).push(slaListener(deps));
    provideSla(ctx.incidents, deps);
    let worker: AppWorker<SlaTimerData> | undefined;
    let loop: ReconcileLoop | undefined;
    const idleCounts = () => queue.getJobCounts('active', 'waiting', 'prioritized');
    return {
      name: 'sla',
      readiness: [
        {
          name: 'sla-timers',
          check: async () => {
            await queue.getJobCounts('delayed');
            if (worker && !worker.isRunning()) throw new Error('SLA timer worker is not running');
          },
        },
      ],
      async queueDepths() {
        const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
        return Object.entries(counts).map(([state, count]) => ({ queue: SLA_QUEUE, state, count }));
      },
      async start() {
        if (!ctx.worker) return;
        const concurrency = opts.concurrency ?? (ctx.queues.kind === 'redis' ? 16 : 4);
        worker = ctx.queues.createWorker<SlaTimerData>(SLA_QUEUE, slaTimerProcessor(deps), {
          concurrency,
        });
        if (ctx.queues.kind === 'postgres' && ctx.storage.kind === 'embedded')
          pollOnPglite(worker, ctx.queues.workerDefaults.drainDelay ?? 0.2);
        worker.on('failed', (job, err) =>
          log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'SLA timer job failed'),
        );
        worker.on('error', (err) => log.error({ err }, 'SLA timer worker error'));
        loop = new ReconcileLoop(deps, opts, log);
        await loop.start();
      },
      async stop() {
        await loop?.stop();
        await worker?.close();
      },
      async idle() {
        if (!worker) return;
        const deadline = Date.now() + opts.idleTimeoutMs;
        while (Date.now() < deadline) {
          const c = await idleCounts();
          if (!c.active && !c.waiting && !c.prioritized) return;
          await sleep(100);
        }
      },
    };
  };
}

export const slaModule: ModuleFactory = createSlaModule();
