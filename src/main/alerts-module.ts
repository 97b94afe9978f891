import { outboxFor } from './deps';
import { Counter } from 'prom-client';
import type { AlertDeps } from '../app/alert-deps';
import { acceptAlerts } from '../app/accept-alerts';
import { requeueUnprocessed } from '../app/process-alerts';
import { ALERT_GROUP_MESSAGE } from '../domain/alerts/alert-group';
import {
  alertRulesSchema,
  DEFAULT_ALERT_RULES,
  type AlertRule,
} from '../domain/alerts/alert-rules';
import { ConfigError } from '../config/load-config';
import { alertRoutes } from '../adapters/http/alert-routes';
import { PgAlertIntake } from '../adapters/postgres/pg-alert-intake';
import { PgAlertStore } from '../adapters/postgres/pg-alert-store';
import { ALERT_QUEUE, BullmqAlertJobs, type AlertJobData } from '../adapters/queue/alert-queue';
import type { AppWorker } from '../adapters/queue/queue-backend';
import type { ReceivedPayload, StoredPayload } from '../ports/alert-store';
import { pollOnPostgres } from '../adapters/queue/worker-polling';
import { alertThreadSource } from '../adapters/slack/alert-thread-source';
import { alertProcessor } from '../../jobs/alert-process';
import type { ModuleContext, ModuleFactory, RuntimeModule } from './module';

/** How often a worker looks for stored payloads nobody queued, and how old they must be. */
const RECONCILE_EVERY_MS = 60_000;
const RECONCILE_AFTER_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The config's alert rules (opaque in the config schema), validated here at start. */
function alertRules(ctx: ModuleContext): readonly AlertRule[] {
  const raw = ctx.config.file.alerts?.rules;
  if (raw === undefined) return DEFAULT_ALERT_RULES;
  const parsed = alertRulesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = ['alerts', 'rules', ...(issue?.path ?? [])].map(String).join('.');
  throw new ConfigError(
    `Invalid configuration in ${ctx.config.configPath}:\n  ${key}: ${issue?.message ?? 'invalid'}`,
  );
}

function alertDeps(ctx: ModuleContext, jobs: BullmqAlertJobs): AlertDeps {
  const alerts = ctx.config.file.alerts;
  const rules = alertRules(ctx);
  return {
    intake: new PgAlertIntake(ctx.storage.db),
    store: new PgAlertStore(ctx.storage.db),
    jobs,
    outbox: outboxFor(ctx.chat),
    incidents: ctx.incidents,
    clock: ctx.clock,
    settings: {
      rules,
      tenantLabels: alerts?.tenantLabels ?? ['tenant_id', 'tenant'],
      ...(ctx.config.file.incidentChannel
        ? { incidentChannel: ctx.config.file.incidentChannel }
        : {}),
    },
    log: ctx.log.child({ module: 'alerts' }),
  };
}

/** acceptAlerts, counting accepted alerts per source, tenant and status for /metrics. */
function countingAccepted(
  ctx: ModuleContext,
  deps: AlertDeps,
): (p: ReceivedPayload) => Promise<StoredPayload> {
  const received = new Counter({
    name: 'tenantops_alerts_received_total',
    help: 'Alerts accepted by the webhook receivers, by source, tenant and status',
    labelNames: ['source', 'tenant', 'status'],
    registers: [ctx.metrics.registry],
  });
  // Only registered tenants become label values: alert labels are input, series cost memory.
  const known = new Set(ctx.config.file.tenants.map((t) => t.id));
  return async (p) => {
    const stored = await acceptAlerts(deps, p);
    for (const a of p.alerts) {
      const tenant =
        a.tenantId === undefined ? 'platform' : known.has(a.tenantId) ? a.tenantId : 'unregistered';
      received.inc({ source: p.source, tenant, status: a.status });
    }
    return stored;
  };
}

/**
 * Alerts (PRODUCT.md §9): webhook receivers in web processes; in worker processes the `alerts`
 * queue's worker (process payloads, place groups) and a reconciler for payloads never queued.
 */
export const alertsModule: ModuleFactory = (ctx): RuntimeModule => {
  const queue = ctx.queues.createQueue<AlertJobData>(ALERT_QUEUE);
  const deps = alertDeps(ctx, new BullmqAlertJobs(queue));
  deps.outbox.register(ALERT_GROUP_MESSAGE, alertThreadSource(deps));
  let worker: AppWorker<AlertJobData> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const reconcile = () =>
    requeueUnprocessed(deps, RECONCILE_AFTER_MS).then(
      (n) =>
        n > 0 &&
        deps.log.warn({ payloads: n }, 'queued alert payloads that were stored but not processed'),
      (err: unknown) => deps.log.error({ err }, 'alert reconciler failed'),
    );
  return {
    name: 'alerts',
    routes: ctx.web
      ? alertRoutes({
          token: ctx.config.env.ALERT_WEBHOOK_TOKEN,
          tenantLabels: deps.settings.tenantLabels,
          accept: countingAccepted(ctx, deps),
        })
      : [],
    queues: [queue],
    readiness: [{ name: 'alerts', check: async () => void (await queue.getJobCounts('waiting')) }],
    async queueDepths() {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
      return Object.entries(counts).map(([state, count]) => ({ queue: ALERT_QUEUE, state, count }));
    },
    async start() {
      if (!ctx.worker) return;
      worker = ctx.queues.createWorker<AlertJobData>(ALERT_QUEUE, alertProcessor(deps), {
        concurrency: ctx.queues.kind === 'redis' ? 16 : 4,
      });
      pollOnPostgres(worker, ctx.queues.kind);
      worker.on('failed', (job, err) =>
        deps.log.warn({ err, jobId: job?.id, attempts: job?.attemptsMade }, 'alert job failed'),
      );
      worker.on('error', (err) => deps.log.error({ err }, 'alert worker error'));
      await reconcile();
      timer = setInterval(() => void reconcile(), RECONCILE_EVERY_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      // Payloads accepted just now: their jobs go on the queue before it closes.
      await deps.jobs.settle();
      await worker?.close();
    },
    async idle() {
      for (let i = 0; worker && i < 300; i++) {
        const c = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
        if (!c.active && !c.waiting && !c.prioritized && !c.delayed) return;
        await sleep(100);
      }
    },
  };
};
