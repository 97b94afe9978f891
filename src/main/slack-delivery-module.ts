import { Counter } from 'prom-client';
import type { Database } from '../adapters/postgres/database';
import type { AppWorker, QueueFactory } from '../adapters/queue/queue-backend';
import { deliveryOf, SlackDelivery } from '../adapters/queue/slack-delivery';
import { pollOnPostgres } from '../adapters/queue/worker-polling';
import { SLACK_DELIVERY_QUEUE, type DeliveryJob } from '../adapters/queue/slack-delivery-jobs';
import type { ChatPort } from '../ports/chat';
import { slackDeliverProcessor } from '../../jobs/slack-deliver';
import type { ModuleFactory, RuntimeModule } from './module';
import { deliveryStatusSection } from '../../commands/delivery-status';

/** The runtime's ChatPort in Slack modes: the real client behind the `slack-delivery` queue. */
export function queuedSlackChat(direct: ChatPort, queues: QueueFactory, db: Database): ChatPort {
  return new SlackDelivery(direct, queues, db).chat;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Slack delivery (every outbound call of a Slack-mode runtime goes through one queue): runs the
 * queue's worker in worker processes and shows failed deliveries in `/incident status`.
 * Console mode has no queue (ConsoleChat prints), so this module does nothing there.
 */
export const slackDeliveryModule: ModuleFactory = (ctx): RuntimeModule => {
  const delivery = deliveryOf(ctx.chat);
  if (!delivery) return { name: 'slack-delivery' };
  const log = ctx.log.child({ module: 'slack-delivery' });
  const rateLimited = new Counter({
    name: 'tenantops_slack_rate_limited_total',
    help: 'Slack 429 answers, each honoured by waiting Retry-After',
    labelNames: ['method'],
    registers: [ctx.metrics.registry],
  });
  let worker: AppWorker<DeliveryJob> | undefined;
  return {
    name: 'slack-delivery',
    statusSections: [deliveryStatusSection(delivery.store)],
    queues: [delivery.queue],
    readiness: [
      {
        name: 'slack-delivery',
        check: async () => {
          await delivery.queue.getJobCounts('waiting');
          if (worker && !worker.isRunning())
            throw new Error('Slack delivery worker is not running');
        },
      },
    ],
    async queueDepths() {
      const counts = await delivery.queue.getJobCounts(
        'waiting',
        'prioritized',
        'delayed',
        'active',
        'failed',
      );
      return Object.entries(counts).map(([state, count]) => ({
        queue: SLACK_DELIVERY_QUEUE,
        state,
        count,
      }));
    },
    start() {
      if (!ctx.worker) return Promise.resolve();
      const executor = delivery.executor(log, (method) => rateLimited.inc({ method }));
      // Jobs are one HTTP call each; waiting for a lane or a 429 happens in the delayed set.
      worker = ctx.queues.createWorker<DeliveryJob>(
        SLACK_DELIVERY_QUEUE,
        slackDeliverProcessor(executor),
        {
          concurrency: ctx.queues.kind === 'redis' ? 32 : 8,
        },
      );
      pollOnPostgres(worker, ctx.queues.kind);
      worker.on('error', (err) => log.error({ err }, 'slack delivery worker error'));
      return Promise.resolve();
    },
    async stop() {
      await worker?.close();
    },
    async idle() {
      for (let i = 0; worker && i < 300; i++) {
        const c = await delivery.queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
        if (!c.active && !c.waiting && !c.prioritized && !c.delayed) return;
        await sleep(100);
      }
    },
  };
};
