import { outboxFor } from './deps';
import { SLA_RECEIPT, slaReceipt } from '../app/sla-post';
import type { AppConfig } from '../config/load-config';
import type { SlaDeps, SlaSettings } from '../app/sla-deps';
import { slaStatusSection } from '../../commands/sla-subcommands';
import { slaListener } from '../app/sla-listener';
import { parseIsoDuration } from '../domain/sla/duration';
import {
  SLA_POST_QUEUE,
  SLA_QUEUE,
  type SlaSweepData,
  type SlaTimerData,
} from '../ports/sla-timers';
import { PgSlaStore } from '../adapters/postgres/pg-sla-store';
import { BullmqSlaTimers } from '../adapters/queue/sla-timer-queue';
import type { AppWorker } from '../adapters/queue/queue-backend';
import { ChatSecurityRoom } from '../adapters/slack/sla-security-room';
import { slaPostProcessor, slaTimerProcessor } from '../../jobs/sla-timer';
import type { ModuleContext, ModuleFactory, RuntimeModule } from './module';
import { ReconcileLoop, type ReconcilerOptions } from './sla-reconciler';

export interface SlaModuleOptions extends ReconcilerOptions {
  /** Timer jobs processed at once per worker process (default: 16 on Redis, 4 on Postgres). */
  concurrency?: number;
  /** Post jobs at once per worker process (default: 64 on Redis, 4 on Postgres). */
  postConcurrency?: number;
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
type TimerData = SlaTimerData | SlaSweepData;

function pollOnPglite(
  worker: AppWorker<TimerData> | AppWorker<SlaTimerData>,
  seconds: number,
): void {
  Object.defineProperty(worker, 'maximumBlockTimeout', { get: () => seconds });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Workers {
  timers: AppWorker<TimerData>;
  posts: AppWorker<SlaTimerData>;
}

function startWorkers(ctx: ModuleContext, deps: SlaDeps, opts: SlaModuleOptions): Workers {
  const redis = ctx.queues.kind === 'redis';
  const timers = ctx.queues.createWorker<TimerData>(SLA_QUEUE, slaTimerProcessor(deps), {
    concurrency: opts.concurrency ?? (redis ? 16 : 4),
  });
  // Posts hand messages to the outbox (console mode: they wait for the console).
  const posts = ctx.queues.createWorker<SlaTimerData>(SLA_POST_QUEUE, slaPostProcessor(deps), {
    concurrency: opts.postConcurrency ?? (redis ? 16 : 4),
  });
  for (const worker of [timers, posts]) {
    if (ctx.queues.kind === 'postgres' && ctx.storage.kind === 'embedded') {
      pollOnPglite(worker, ctx.queues.workerDefaults.drainDelay ?? 0.2);
    }
    worker.on('failed', (job, err) =>
      deps.log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'SLA job failed'),
    );
    worker.on('error', (err) => deps.log.error({ err }, 'SLA worker error'));
  }
  return { timers, posts };
}

/**
 * SLA clocks (PRODUCT.md §7): listens to incident changes in every process; in worker
 * processes runs the `sla-timers` and `sla-posts` BullMQ workers and the reconciler that
 * rebuilds timers from Postgres.
 */
export function createSlaModule(overrides: Partial<SlaModuleOptions> = {}): ModuleFactory {
  return (ctx): RuntimeModule => {
    const opts = { ...SLA_DEFAULTS, ...overrides };
    const log = ctx.log.child({ module: 'sla' });
    const queue = ctx.queues.createQueue<TimerData>(SLA_QUEUE);
    const postQueue = ctx.queues.createQueue<SlaTimerData>(SLA_POST_QUEUE);
    const deps: SlaDeps = {
      store: new PgSlaStore(ctx.storage.db),
      timers: new BullmqSlaTimers(queue, postQueue, ctx.clock),
      incidents: ctx.incidents,
      outbox: outboxFor(ctx.chat),
      room: new ChatSecurityRoom(ctx.chat),
      clock: ctx.clock,
      settings: slaSettings(ctx.config, opts.leaseMs),
      log,
    };
    deps.outbox.registerReceipt(SLA_RECEIPT, slaReceipt(deps));
    ctx.sla = deps;
    (ctx.incidents.listeners ??= []).push(slaListener(deps));
    let workers: Workers | undefined;
    let loop: ReconcileLoop | undefined;
    const queues = [
      { name: SLA_QUEUE, queue },
      { name: SLA_POST_QUEUE, queue: postQueue },
    ];
    const busy = async () => {
      for (const { queue: q } of queues) {
        const c = await q.getJobCounts('active', 'waiting', 'prioritized');
        if (c.active || c.waiting || c.prioritized) return true;
      }
      return false;
    };
    return {
      name: 'sla',
      statusSections: [slaStatusSection(deps)],
      commandDeps: { sla: deps },
      queues: [queue, postQueue],
      readiness: [
        {
          name: 'sla-timers',
          check: async () => {
            await queue.getJobCounts('delayed');
            if (workers && !workers.timers.isRunning())
              throw new Error('SLA timer worker is not running');
          },
        },
      ],
      async queueDepths() {
        const rows = await Promise.all(
          queues.map(async ({ name, queue: q }) => {
            const counts = await q.getJobCounts('waiting', 'delayed', 'active', 'failed');
            return Object.entries(counts).map(([state, count]) => ({ queue: name, state, count }));
          }),
        );
        return rows.flat();
      },
      async start() {
        if (!ctx.worker) return;
        workers = startWorkers(ctx, deps, opts);
        loop = new ReconcileLoop(deps, opts, log);
        await loop.start();
      },
      async stop() {
        await loop?.stop();
        await workers?.timers.close();
        await workers?.posts.close();
      },
      async idle() {
        const deadline = Date.now() + opts.idleTimeoutMs;
        while (workers && Date.now() < deadline && (await busy())) await sleep(100);
      },
    };
  };
}

export const slaModule: ModuleFactory = createSlaModule();
