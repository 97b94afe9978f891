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

const REDIS_URL = 'redis://127.0.0.1:6379';
const REAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

jest.setTimeout(60_000);

interface Target {
  /** Factory options for this target; the same on every call, so a reopen sees the same data. */
  options(): QueueFactoryOptions;
  /** Restarts the datastore itself, where the test owns it. */
  restart?(): Promise<void>;
  cleanup(): Promise<void>;
}

function redisTarget(): Target {
  const prefix = `t${randomUUID()}`;
  return {
    options: () => ({ redisUrl: REDIS_URL, prefix }),
    async cleanup() {
      const redis = new Redis(REDIS_URL);
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
  const schema = `bq_${randomUUID().replace(/-/g, '')}`;
  const prefix = randomUUID();
  return {
    options: () => ({ postgresUrl: REAL_POSTGRES_URL, schema, prefix }),
    async cleanup() {
      const client = new Client({ connectionString: REAL_POSTGRES_URL });
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['redis', redisTarget],
  ['postgres backend on embedded PGlite', pgliteTarget],
  ['postgres backend on real Postgres 15', realPostgresTarget],
])('BullMQ on %s', (_label, makeTarget) => {
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
    expect(firedAfter).toBeGreaterThanOrEqual(1000);
    expect(firedAfter).toBeLessThan(2500);
  });

  it('processes a job added twice under one deterministic id once', async () => {
    let runs = 0;
    const queue = factory.createQueue('dedupe');
    const jobId = 'sla-INC-7-update';
    await queue.add('sla-check', { n: 1 }, { jobId });
    await queue.add('sla-check', { n: 2 }, { jobId });
    factory.createWorker('dedupe', async () => {
      runs++;
      return Promise.resolve();
    });
    await until(() => runs === 1);
    await queue.add('sla-check', { n: 3 }, { jobId });
    await sleep(600);
    expect(runs).toBe(1);
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
