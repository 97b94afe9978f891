import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/adapters/postgres/embedded-postgres';
import {
  createQueueFactory,
  type QueueFactory,
  type QueueFactoryOptions,
} from '../../src/adapters/queue/queue-backend';
import { realPostgres, realRedis, type Service } from '../support/services';

jest.setTimeout(60_000);

interface Target {
  /** Factory options for this target; the same on every call, so a reopen sees the same data. */
  options(): QueueFactoryOptions;
  /** Restarts the datastore itself, where the test owns it. */
  restart?(): Promise<void>;
  cleanup(): Promise<void>;
}

const redis = realRedis();
const postgres = realPostgres();

function redisTarget(): Target {
  const url = redis.url as string;
  const prefix = `t${randomUUID()}`;
  return {
    options: () => ({ redisUrl: url, prefix }),
    async cleanup() {
      const redis = new Redis(url);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

async function pgliteTarget(): Promise<Target> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tenantops-queue-'));
  let embedded: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir });
  const prefix = randomUUID();
  return {
    options: () => ({ postgresUrl: embedded.connectionString, prefix }),
    async restart() {
      await embedded.stop();
      embedded = await startEmbeddedPostgres({ dataDir });
    },
    async cleanup() {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function realPostgresTarget(): Target {
  const url = postgres.url as string;
  const schema = `bq_${randomUUID().replace(/-/g, '')}`;
  const prefix = randomUUID();
  return {
    options: () => ({ postgresUrl: url, schema, prefix }),
    async cleanup() {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

/** Resolves once `check` holds, polling every 20 ms. */
async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const always: Service = { url: 'embedded', describe, title: (t) => t };
const targets: [string, Service, () => Target | Promise<Target>][] = [
  ['Redis (TEST_REDIS_URL)', redis, redisTarget],
  ['the postgres backend on embedded PGlite', always, pgliteTarget],
  ['the postgres backend on real Postgres 15 (TEST_DATABASE_URL)', postgres, realPostgresTarget],
];

for (const [label, needs, makeTarget] of targets)
  needs.describe(needs.title(`BullMQ on ${label}`), () => {
    let target: Target;
    let factory: QueueFactory;

    beforeAll(async () => {
      target = await makeTarget();
      factory = createQueueFactory(target.options());
    });

    afterAll(async () => {
      await factory?.close();
      await target?.cleanup();
    });

    it('processes a job added to the queue', async () => {
      const seen: unknown[] = [];
      factory.createWorker<{ incident: string }>('basic', async (job) => {
        seen.push(job.data);
        return Promise.resolve();
      });
      const queue = factory.createQueue<{ incident: string }>('basic');
      await queue.add('declare', { incident: 'INC-1' });
      await until(() => seen.length === 1);
      expect(seen).toEqual([{ incident: 'INC-1' }]);
    });

    it('fires a job delayed by 1 s after about a second', async () => {
      let firedAfter = 0;
      const queue = factory.createQueue('delayed');
      factory.createWorker('delayed', async () => {
        firedAfter = Date.now() - addedAt;
        return Promise.resolve();
      });
      await queue.waitUntilReady();
      const addedAt = Date.now();
      await queue.add('sla-check', {}, { delay: 1000 });
      await until(() => firedAfter > 0);
      // No upper bound: how late it may fire is a matter of load, not of correctness.
      expect(firedAfter).toBeGreaterThanOrEqual(1000);
    });

    it('processes a job added twice under one deterministic id once', async () => {
      const seen: number[] = [];
      const queue = factory.createQueue<{ n: number }>('dedupe');
      const jobId = 'sla-INC-7-update';
      await queue.add('sla-check', { n: 1 }, { jobId });
      await queue.add('sla-check', { n: 2 }, { jobId });
      factory.createWorker<{ n: number }>('dedupe', async (job) => {
        seen.push(job.data.n);
        return Promise.resolve();
      });
      await until(() => seen.length === 1);
      await queue.add('sla-check', { n: 3 }, { jobId });
      // A later job under another id: once it is processed, n: 3 would have been too (one worker,
      // first in, first out), so its absence is proven rather than waited for.
      await queue.add('sla-check', { n: 4 }, { jobId: 'sla-INC-8-update' });
      await until(() => seen.includes(4));
      expect(seen).toEqual([1, 4]);
    });

    it('reports a finished job through QueueEvents', async () => {
      const queue = factory.createQueue<object, string>('events');
      const events = factory.createQueueEvents('events');
      await events.waitUntilReady();
      factory.createWorker<object, string>('events', async () => Promise.resolve('done'));
      const job = await queue.add('post-update', {});
      await expect(job.waitUntilFinished(events, 5000)).resolves.toBe('done');
    });

    it('still fires a pending delayed job after the queue is closed and reopened', async () => {
      const first = createQueueFactory(target.options());
      await first.createQueue('durable').add('reminder', { n: 1 }, { delay: 1200 });
      await first.close();
      if (target.restart) {
        // The suite's own factory holds pools on the old server; park it across the restart.
        await factory.close();
        await target.restart();
        factory = createQueueFactory(target.options());
      }

      let fired = false;
      const second = createQueueFactory(target.options());
      try {
        second.createWorker('durable', async () => {
          fired = true;
          return Promise.resolve();
        });
        await until(() => fired);
        expect(fired).toBe(true);
      } finally {
        await second.close();
      }
    });
  });
