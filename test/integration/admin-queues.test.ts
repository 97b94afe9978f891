import { Redis } from 'ioredis';
import { ALERT_QUEUE } from '../../src/adapters/queue/alert-queue';
import { createQueueFactory } from '../../src/adapters/queue/queue-backend';
import { SLACK_DELIVERY_QUEUE } from '../../src/adapters/queue/slack-delivery-jobs';
import { SLASH_COMMAND_QUEUE } from '../../src/main/slash-commands';
import { SLA_POST_QUEUE, SLA_QUEUE, sweepInstant } from '../../src/ports/sla-timers';
import { query, queuePrefixOf } from '../support/sla-helpers';
import { startStack, storageUnderTest, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const DASHBOARD_QUEUES = [
  SLA_QUEUE,
  SLA_POST_QUEUE,
  ALERT_QUEUE,
  SLACK_DELIVERY_QUEUE,
  SLASH_COMMAND_QUEUE,
];

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const OPERATOR = { authorization: basic('oncall', ADMIN_TOKEN) };

interface BoardJob {
  id: string;
  name: string;
  data: Record<string, unknown>;
}
interface BoardQueue {
  name: string;
  isPaused: boolean;
  hasWorkers: boolean | null;
  counts: Record<string, number>;
  jobs: BoardJob[];
}

/**
 * The BullMQ backends this run can reach: real services give BullMQ on Redis and BullMQ's
 * Postgres backend on the real Postgres; the embedded path gives the Postgres backend on PGlite.
 */
const backends: ('redis' | 'postgres')[] = process.env.TEST_REDIS_URL
  ? ['redis', 'postgres']
  : ['postgres'];

/** Removes this stack's queues from Redis or the shared `bullmq` schema (PGlite goes with its dir). */
async function dropQueues(stack: Stack, prefix: string): Promise<void> {
  const kind = stack.runtime.queues.kind;
  if (kind === 'redis') {
    const redis = new Redis(process.env.TEST_REDIS_URL as string);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      await redis.quit();
    }
  } else if (process.env.TEST_DATABASE_URL) {
    const queues = createQueueFactory({ postgresUrl: process.env.TEST_DATABASE_URL, prefix });
    for (const name of [...DASHBOARD_QUEUES, 'readiness']) {
      // skipMetasUpdate: a new Queue writes its meta row asynchronously, racing the obliteration.
      const queue = queues.createQueue(name, { skipMetasUpdate: true });
      await queue.pause();
      await queue.obliterate({ force: true });
    }
    await queues.close();
  }
}

describe.each(backends)(
  `/admin/queues with ADMIN_TOKEN set (${storageUnderTest()} storage, BullMQ on %s)`,
  (backend) => {
    let stack: Stack;
    let prefix: string;
    const board = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.url}/admin/queues${path}`, init);
    const api = async <T>(path: string): Promise<T> => {
      const res = await board(`/api${path}`, { headers: OPERATOR });
      expect(res.status).toBe(200);
      return (await res.json()) as T;
    };
    const queueName = (name: string) => stack.runtime.queues.queueName(name);
    const listed = async (name: string, query = ''): Promise<BoardQueue> => {
      const { queues } = await api<{ queues: BoardQueue[] }>(`/queues${query}`);
      const queue = queues.find((q) => q.name === queueName(name));
      if (!queue) throw new Error(`${name} is not on the dashboard`);
      return queue;
    };

    beforeAll(async () => {
      stack = await startStack({
        env: { ADMIN_TOKEN, ...(backend === 'postgres' ? { REDIS_URL: undefined } : {}) },
      });
      prefix = await queuePrefixOf(stack.runtime);
    });

    afterAll(async () => {
      await stack?.stop();
      if (stack) await dropQueues(stack, prefix);
    });

    it('runs on the backend under test', () => {
      expect(stack.runtime.queues.kind).toBe(backend);
    });

    it('asks for HTTP Basic credentials on every method and sub-path', async () => {
      const anonymous: [string, string][] = [
        ['GET', ''],
        ['GET', '/'],
        ['GET', '/queue/alerts'],
        ['GET', '/static/favicon-32x32.png'],
        ['GET', '/api/queues'],
        ['PUT', '/api/queues/pause'],
        ['POST', `/api/queues/${queueName(ALERT_QUEUE)}/add`],
        ['PATCH', `/api/queues/${queueName(SLA_QUEUE)}/1/update-data`],
      ];
      for (const [method, path] of anonymous) {
        const res = await board(path, { method });
        expect([method, path, res.status]).toEqual([method, path, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="tenantops"');
        expect(await res.json()).toEqual({
          error: 'unauthorized',
          message: 'HTTP Basic credentials are required: any user name, password ADMIN_TOKEN.',
        });
      }
    });

    it('refuses a wrong password, a password without user part, and the token as a bearer', async () => {
      const wrong = [
        basic('oncall', `${ADMIN_TOKEN}x`),
        basic('oncall', ADMIN_TOKEN.slice(0, -1)),
        basic(ADMIN_TOKEN, ''),
        `Basic ${Buffer.from(ADMIN_TOKEN).toString('base64')}`,
        `Bearer ${ADMIN_TOKEN}`,
        `Basic not*base64`,
      ];
      for (const authorization of wrong) {
        const res = await board('/api/queues', { headers: { authorization } });
        expect([authorization, res.status]).toEqual([authorization, 401]);
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="tenantops"');
      }
    });

    it('serves the dashboard page and its assets for any user name with the ADMIN_TOKEN password', async () => {
      for (const user of ['oncall', '', 'someone else']) {
        const page = await board('', { headers: { authorization: basic(user, ADMIN_TOKEN) } });
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        const html = await page.text();
        expect(html).toContain('<base href="/admin/queues/"');
        expect(html).toContain(`tenantops queues (${backend})`);
      }
      const html = await (await board('/', { headers: OPERATOR })).text();
      const script = /src="(static\/js\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const asset = await board(`/${script}`, { headers: OPERATOR });
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toMatch(/javascript/);
      expect((await asset.text()).length).toBeGreaterThan(1000);
      const deep = await board(`/queue/${queueName(SLA_QUEUE)}`, { headers: OPERATOR });
      expect(deep.status).toBe(200);
    });

    it('lists the SLA, alerts, Slack delivery and slash-command queues in its JSON API', async () => {
      const { queues } = await api<{ queues: BoardQueue[] }>('/queues');
      expect(queues.map((q) => q.name)).toEqual(
        expect.arrayContaining(DASHBOARD_QUEUES.map(queueName)),
      );
      // The readiness probe's throwaway queue is not an operator's concern.
      expect(queues.map((q) => q.name)).not.toContain(queueName('readiness'));
    });

    it("shows an incident's SLA timer (its sweep wake-up) as a delayed job, with its data", async () => {
      const reply = await (await stack.slash('declare P1 acme Checkout errors')).reply();
      const n = Number(/INC-(\d+)/.exec(reply)?.[1]);
      expect(n).toBeGreaterThan(0);
      const [clock] = await query<{ next_at: Date }>(
        stack,
        'SELECT next_at FROM sla_clocks WHERE incident_id = $1',
        [n],
      );
      const at = sweepInstant(clock!.next_at);
      const sla = encodeURIComponent(queueName(SLA_QUEUE));
      const queue = await listed(SLA_QUEUE, `?activeQueue=${sla}&status=delayed&jobsPerPage=50`);
      const timer = queue.jobs.find((j) => j.name === 'sla-sweep' && j.data.at === at);
      expect(timer).toBeDefined();
      expect(timer?.id).toBe(`sla-sweep-${at}`);
      const one = await api<{ job: BoardJob; status: string }>(
        `/queues/${sla}/${encodeURIComponent(timer?.id ?? '')}`,
      );
      expect(one.status).toBe('delayed');
      expect(one.job.data).toEqual(timer?.data);
    });

    it('is read-only: actions answer 405 and change nothing', async () => {
      const sla = encodeURIComponent(queueName(SLA_QUEUE));
      const before = await listed(SLA_QUEUE);
      expect(before.isPaused).toBe(false);
      const pause = await board(`/api/queues/${sla}/pause`, { method: 'PUT', headers: OPERATOR });
      expect(pause.status).toBe(405);
      const add = await board(`/api/queues/${sla}/add`, {
        method: 'POST',
        headers: { ...OPERATOR, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'sla-timer', data: { incident: 999, at: 0 } }),
      });
      expect(add.status).toBe(405);
      const clean = await board(`/api/queues/${sla}/clean/delayed`, {
        method: 'PUT',
        headers: OPERATOR,
      });
      expect(clean.status).toBe(405);
      const after = await listed(SLA_QUEUE);
      expect(after.isPaused).toBe(false);
      expect(after.counts.delayed).toBe(before.counts.delayed);
      expect(after.counts.waiting).toBe(before.counts.waiting);
    });

    it("reports the queue datastore's stats for the backend in use", async () => {
      const stats = await api<{ backend: string; version: string }>('/redis/stats');
      expect(stats.backend).toBe(backend);
      expect(stats.version).toMatch(/^\d+\.\d+/);
    });

    it('lists workers on Redis; on the Postgres backend it says they are unknown', async () => {
      const { workers } = await api<{ workers: unknown[] | null }>(
        `/queues/${encodeURIComponent(queueName(SLA_QUEUE))}/workers`,
      );
      const { hasWorkers } = await listed(SLA_QUEUE);
      // bull-board needs each client's address from Redis' CLIENT LIST; BullMQ's Postgres
      // backend has none, so the board hides the panel rather than claim there are no workers.
      if (backend === 'redis') {
        expect(workers?.length).toBeGreaterThan(0);
        expect(hasWorkers).toBe(true);
      } else {
        expect(workers).toBeNull();
        expect(hasWorkers).toBeNull();
      }
    });

    it('answers unknown queues and paths with JSON 404s', async () => {
      const queue = await board('/api/queues/no-such-queue/1', { headers: OPERATOR });
      expect(queue.status).toBe(404);
      const path = await board('/api/nothing-here', { headers: OPERATOR });
      expect(path.status).toBe(404);
      expect(await path.json()).toMatchObject({ error: 'not_found' });
    });
  },
);

describe(`/admin/queues with ADMIN_TOKEN unset (${storageUnderTest()} storage)`, () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ worker: false, env: { ADMIN_TOKEN: undefined } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('is not mounted: 404 on every path, whatever the credentials', async () => {
    // The server answers (so a 404 below is the route's absence, not a dead server).
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/admin/queues'],
      ['GET', '/admin/queues/api/queues'],
      ['PUT', '/admin/queues/api/queues/pause'],
    ] as const) {
      const res = await fetch(`${stack.url}${path}`, {
        method,
        headers: { authorization: basic('oncall', ADMIN_TOKEN) },
      });
      expect([method, path, res.status]).toEqual([method, path, 404]);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(await res.json()).toMatchObject({ error: 'not_found' });
    }
  });
});
