import type { App } from '@slack/bolt';
import type { Metrics } from '../adapters/http/metrics';
import type { Logger } from '../adapters/logging/logger';

function nameOf(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') {
    const sub = typeof body.text === 'string' ? body.text.trim().split(/\s+/)[0] : '';
    return `${body.command} ${sub ?? ''}`.trim().slice(0, 40);
  }
  if (typeof body.type === 'string') return body.type;
  return 'unknown';
}

/**
 * Per-request child logger and the command latency histogram; unknown errors reach the log.
 * Returns `drain()`, which resolves once every listener in flight has finished (shutdown).
 */
export function instrumentBolt(
  app: App,
  metrics: Metrics,
  log: Logger,
): { drain(): Promise<void> } {
  const inflight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    // Listeners keep working after ack(); shutdown waits for them before closing pools.
    const work = next();
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  });
  app.use(async ({ body, next, context }) => {
    const command = nameOf(body as Record<string, unknown>);
    const end = metrics.commandSeconds.startTimer({ command });
    context.log = log.child({ requestId: (body as { trigger_id?: string }).trigger_id, command });
    try {
      await next();
      end({ outcome: 'ok' });
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  });
  app.error(async (error) => {
    log.error({ err: error.original ?? error, code: error.code }, 'listener failed');
    return Promise.resolve();
  });
  return {
    async drain() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}
