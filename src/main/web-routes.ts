import type { HTTPReceiver } from '@slack/bolt';
import { sendJson, type Route } from '../adapters/http/http-server';
import type { Metrics } from '../adapters/http/metrics';

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

/** Liveness, readiness (database and queue), metrics and — in http mode — Slack's endpoint. */
export function coreRoutes(opts: {
  metrics: Metrics;
  readiness: Readiness[];
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
        const results = await Promise.all(
          opts.readiness.map(async (r) => {
            try {
              await withTimeout(r.check(), 1500);
              return [r.name, 'ok'] as const;
            } catch (err) {
              return [r.name, `unreachable: ${(err as Error).message}`] as const;
            }
          }),
        );
        const ready = results.every(([, v]) => v === 'ok');
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not_ready',
          checks: Object.fromEntries(results),
        });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      name: 'metrics',
      handler: async (_q, res) => {
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
