import type { HTTPReceiver } from '@slack/bolt';
import { requireBearer } from '../adapters/http/bearer';
import { sendJson, type Route } from '../adapters/http/http-server';
import type { Metrics } from '../adapters/http/metrics';
import type { Logger } from '../adapters/logging/logger';
import type { AnyAppQueue, QueueBackendKind } from '../adapters/queue/queue-backend';

export interface Readiness {
  name: string;
  check(): Promise<void>;
}

async function withTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type CheckState = 'ok' | 'unreachable';

/**
 * Runs every readiness check (each within 1.5 s). The answer names each check's state only:
 * connection errors carry hosts, ports and user names, so their detail goes to the log.
 */
export async function readinessReport(
  readiness: Readiness[],
  log: Pick<Logger, 'warn'>,
): Promise<{ ready: boolean; checks: Record<string, CheckState> }> {
  const results = await Promise.all(
    readiness.map(async (r): Promise<[string, CheckState]> => {
      try {
        await withTimeout(r.check(), 1500);
        return [r.name, 'ok'];
      } catch (err) {
        log.warn({ err, check: r.name }, 'readiness check failed');
        return [r.name, 'unreachable'];
      }
    }),
  );
  return { ready: results.every(([, v]) => v === 'ok'), checks: Object.fromEntries(results) };
}

/** Liveness, readiness (database and queue), metrics and — in http mode — Slack's endpoint. */
export function coreRoutes(opts: {
  metrics: Metrics;
  readiness: Readiness[];
  log: Pick<Logger, 'warn'>;
  /** METRICS_TOKEN: when set, /metrics wants it as a bearer token; unset, /metrics is open. */
  metricsToken?: string;
  slack?: HTTPReceiver;
}): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/healthz',
      name: 'healthz',
      handler: (_q, res) => sendJson(res, 200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/readyz',
      name: 'readyz',
      handler: async (_q, res) => {
        const { ready, checks } = await readinessReport(opts.readiness, opts.log);
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      name: 'metrics',
      handler: async (req, res) => {
        if (opts.metricsToken && !requireBearer(req, res, opts.metricsToken, 'METRICS_TOKEN'))
          return;
        const body = await opts.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': opts.metrics.registry.contentType });
        res.end(body);
      },
    },
  ];
  const slack = opts.slack;
  if (slack)
    routes.push({
      method: 'POST',
      path: '/slack/events',
      name: 'slack',
      handler: (req, res) => slack.requestListener(req, res),
    });
  return routes;
}

/**
 * The queue dashboard at /admin/queues (PRODUCT.md §5), or nothing when ADMIN_TOKEN is unset.
 * bull-board (~5 MB of heap) is loaded only then: `web`'s heap is capped at WEB_HEAP_MB (128).
 */
export async function adminQueueRoutes(opts: {
  adminToken: string | undefined;
  queues: AnyAppQueue[];
  backend: QueueBackendKind;
  log: Pick<Logger, 'warn' | 'error'>;
}): Promise<Route[]> {
  if (!opts.adminToken) return [];
  const { queueDashboardRoutes } = await import('../adapters/http/admin-queues');
  return queueDashboardRoutes({
    password: opts.adminToken,
    queues: opts.queues,
    log: opts.log,
    backend: opts.backend,
  });
}
