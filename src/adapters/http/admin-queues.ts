import type { ControllerHandlerReturnType } from '@bull-board/api/typings/app';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { getRequestListener } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Queue } from 'bullmq';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../logging/logger';
import type { AnyAppQueue, QueueBackendKind } from '../queue/queue-backend';
import { requireBasic } from './basic-auth';
import type { Route } from './http-server';

export const ADMIN_QUEUES_PATH = '/admin/queues';

// The adapter parses every non-GET body as JSON before the read-only check: cap what it reads.
const BODY_LIMIT = 1024 * 1024;

export interface QueueDashboardOptions {
  /** ADMIN_TOKEN: the HTTP Basic password (any user name). */
  password: string;
  queues: readonly AnyAppQueue[];
  log: Pick<Logger, 'warn' | 'error'>;
  /** Shown in the board's title, and decides what the board can know about workers. */
  backend: QueueBackendKind;
}

/**
 * bull-board lists a queue's workers from Redis' CLIENT LIST (it needs each client's address).
 * BullMQ's Postgres backend names sessions only (and PGlite's one session list is partial), so
 * there the answer would be empty or wrong: say "unknown" (null), which hides the panel instead
 * of warning that a queue has no workers.
 */
class QueueAdapter extends BullMQAdapter {
  constructor(
    queue: AnyAppQueue,
    private readonly workersKnown: boolean,
  ) {
    // Both backends' Queue classes extend bullmq's Queue; App* only widens the backend type.
    // Read-only: actions here would bypass approvals and the audit log (retry a runbook step,
    // add a job, drop SLA timers), so they are refused with 405.
    super(queue as unknown as Queue, { readOnlyMode: true });
  }

  override getWorkers(): ReturnType<BullMQAdapter['getWorkers']> {
    return this.workersKnown ? super.getWorkers() : Promise.resolve(null);
  }
}

/** bull-board's Hono adapter, logging what its handlers turn into 500s (they never reach us). */
class LoggedHonoAdapter extends HonoAdapter {
  constructor(private readonly log: Pick<Logger, 'warn'>) {
    super(serveStatic);
  }

  override setErrorHandler(handler: (error: Error) => ControllerHandlerReturnType): this {
    return super.setErrorHandler((error) => {
      this.log.warn({ err: error }, 'queue dashboard request failed');
      return handler(error);
    });
  }
}

/** The Hono app serving bull-board (page, static assets, JSON API) under ADMIN_QUEUES_PATH. */
function dashboardApp(opts: QueueDashboardOptions): Hono {
  const adapter = new LoggedHonoAdapter(opts.log).setBasePath(ADMIN_QUEUES_PATH);
  createBullBoard({
    queues: opts.queues.map((q) => new QueueAdapter(q, opts.backend === 'redis')),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: `tenantops queues (${opts.backend})` } },
  });
  // Not strict: /admin/queues/ (the page's <base href>) is the same page as /admin/queues.
  const app = new Hono({ strict: false });
  app.use('*', bodyLimit({ maxSize: BODY_LIMIT }));
  app.route(ADMIN_QUEUES_PATH, adapter.registerPlugin());
  app.notFound((c) =>
    c.json(
      { error: 'not_found', message: `No dashboard route for ${c.req.method} ${c.req.path}` },
      404,
    ),
  );
  // Hono's default prints to the console; ours logs and answers like the rest of the server.
  app.onError((err, c) => {
    opts.log.error({ err }, 'queue dashboard request failed');
    return c.json({ error: 'internal', message: 'Internal error; it has been logged.' }, 500);
  });
  return app;
}

/**
 * The queue dashboard (PRODUCT.md §5): bull-board at /admin/queues, every method and sub-path
 * (page, static assets, JSON API) behind HTTP Basic with the ADMIN_TOKEN password.
 */
export function queueDashboardRoutes(opts: QueueDashboardOptions): Route[] {
  const app = dashboardApp(opts);
  // overrideGlobalObjects off: Hono would otherwise replace the process-wide Request/Response.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const path = new RegExp(`^${ADMIN_QUEUES_PATH}(?:/.*)?$`);
  return ['GET', 'POST', 'PUT', 'PATCH'].map((method) => ({
    method,
    path,
    name: 'admin-queues',
    handler: async (req, res) => {
      const authorized = requireBasic(req, res, opts.password, {
        realm: 'tenantops',
        passwordName: 'ADMIN_TOKEN',
      });
      if (authorized) await listener(req, res);
    },
  }));
}
