import {
  Queue,
  QueueEvents,
  Worker,
  createPostgresBackend,
  withBackend,
  type IQueueBackend,
  type PostgresPoolConfig,
  type Processor,
  type QueueEventsOptions,
  type QueueOptions,
  type WorkerOptions,
} from 'bullmq';
import { Redis } from 'ioredis';

export type QueueBackendKind = 'redis' | 'postgres';
export type ConnectionRole = 'queue' | 'worker';

/** Backend-neutral instance types: both backends' classes are assignable to these. */
export type AppQueue<D = unknown, R = unknown> = Queue<
  D,
  R,
  string,
  D,
  R,
  string,
  IQueueBackend,
  unknown
>;
/** A queue of any job type, for lists of mixed queues (Queue<D> is invariant in D). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAppQueue = AppQueue<any, any>;
export type AppWorker<D = unknown, R = unknown> = Worker<D, R, string, IQueueBackend>;
export type AppQueueEvents = QueueEvents<unknown, IQueueBackend, unknown>;

// The factory owns connection and isolation; callers pass everything else.
type Injected = 'connection' | 'prefix';
export type FactoryQueueOptions = Omit<QueueOptions, Injected>;
export type FactoryWorkerOptions = Omit<WorkerOptions, Injected>;
export type FactoryQueueEventsOptions = Omit<QueueEventsOptions, Injected>;

export interface QueueFactoryOptions {
  /** Set: BullMQ on Redis. Unset: BullMQ's Postgres backend on `postgresUrl`. */
  redisUrl?: string;
  postgresUrl?: string;
  /**
   * Isolation (one per test file). Redis: BullMQ's key prefix. Postgres: the pg backend ignores
   * `prefix`, so queue names become `<prefix>-<name>` (works on PGlite and real Postgres alike).
   */
  prefix?: string;
  /**
   * Postgres only: the BullMQ schema (default `bullmq`). Real Postgres only: it is selected by a
   * startup option that PGlite ignores, and the embedded server always searches `bullmq`.
   */
  schema?: string;
  /** Postgres only: pg pool size of each Queue/Worker instance (BullMQ's default is 10). */
  poolMax?: number;
}

/** Builds BullMQ queues and workers for whichever backend the environment selects. */
export interface QueueFactory {
  readonly kind: QueueBackendKind;
  /**
   * Merged under every worker's options. Postgres: `drainDelay: 0.2` (seconds) because PGlite
   * cannot NOTIFY across connections, so idle workers poll (QueueEvents there default to a
   * 200 ms `blockingTimeout` for the same reason).
   */
  readonly workerDefaults: Partial<WorkerOptions>;
  /** The BullMQ `connection` for a role: a shared ioredis client, or a pg pool config. */
  connectionFor(role: ConnectionRole): Redis | PostgresPoolConfig;
  /** The name BullMQ sees for `name` (prefixed on Postgres). */
  queueName(name: string): string;
  createQueue<D = unknown, R = unknown>(name: string, opts?: FactoryQueueOptions): AppQueue<D, R>;
  createWorker<D = unknown, R = unknown>(
    name: string,
    processor: Processor<D, R>,
    opts?: FactoryWorkerOptions,
  ): AppWorker<D, R>;
  createQueueEvents(name: string, opts?: FactoryQueueEventsOptions): AppQueueEvents;
  /** Closes workers, then queue events and queues made here, then the shared connections. */
  close(): Promise<void>;
}

interface Closable {
  close(): Promise<void>;
}

interface Builders {
  queue<D, R>(name: string, opts: FactoryQueueOptions): AppQueue<D, R>;
  worker<D, R>(
    name: string,
    processor: Processor<D, R>,
    opts: FactoryWorkerOptions,
  ): AppWorker<D, R>;
  queueEvents(name: string, opts: FactoryQueueEventsOptions): AppQueueEvents;
}

export function createQueueFactory(opts: QueueFactoryOptions): QueueFactory {
  if (opts.redisUrl) return redisFactory(opts.redisUrl, opts.prefix);
  if (opts.postgresUrl) return postgresFactory(opts.postgresUrl, opts);
  throw new Error('createQueueFactory needs redisUrl or postgresUrl');
}

function redisFactory(url: string, prefix: string | undefined): QueueFactory {
  const clients = new Map<ConnectionRole, Redis>();
  const connectionFor = (role: ConnectionRole): Redis => {
    let client = clients.get(role);
    if (!client) {
      // Workers block and must retry forever; queues keep ioredis' bounded retries to fail fast.
      client = new Redis(url, role === 'worker' ? { maxRetriesPerRequest: null } : {});
      clients.set(role, client);
    }
    return client;
  };
  const isolation = prefix === undefined ? {} : { prefix };
  return assemble(
    'redis',
    {},
    (name) => name,
    {
      queue: (name, o) =>
        new Queue(name, { ...o, ...isolation, connection: connectionFor('queue') }),
      worker: (name, processor, o) =>
        new Worker(name, processor, { ...o, ...isolation, connection: connectionFor('worker') }),
      queueEvents: (name, o) =>
        new QueueEvents(name, { ...o, ...isolation, connection: connectionFor('worker') }),
    },
    connectionFor,
    async () => {
      await Promise.all(
        [...clients.values()].map((client) => client.quit().catch(() => undefined)),
      );
      clients.clear();
    },
  );
}

function postgresFactory(url: string, opts: QueueFactoryOptions): QueueFactory {
  if (opts.prefix?.includes(':')) throw new Error('queue prefix cannot contain ":" on Postgres');
  const pg = withBackend(createPostgresBackend);
  // Every Queue/Worker builds its own pool (+ a LISTEN client for workers) from this config.
  const connectionFor = (): PostgresPoolConfig => ({
    connectionString: url,
    migrate: true,
    max: opts.poolMax ?? 5,
    ...(opts.schema === undefined ? {} : { schema: opts.schema }),
  });
  const queueName = (name: string): string => (opts.prefix ? `${opts.prefix}-${name}` : name);
  // drainDelay is in seconds on both backends (Worker's default is 5).
  return assemble(
    'postgres',
    { drainDelay: 0.2 },
    queueName,
    {
      // Casts: the pg classes' connection type and ExtractDataType<D, D> (which is D for plain job
      // data) are not provably the neutral App* types for a generic D; the runtime API is the same.
      queue: <D, R>(name: string, o: FactoryQueueOptions) =>
        new pg.Queue<D, R>(queueName(name), {
          ...o,
          connection: connectionFor(),
        }) as unknown as AppQueue<D, R>,
      worker: <D, R>(name: string, processor: Processor<D, R>, o: FactoryWorkerOptions) =>
        new pg.Worker<D, R>(queueName(name), processor, {
          ...o,
          connection: connectionFor(),
        }) as unknown as AppWorker<D, R>,
      // blockingTimeout is in ms: how long QueueEvents waits for a NOTIFY before re-reading.
      queueEvents: (name, o) =>
        new pg.QueueEvents(queueName(name), {
          blockingTimeout: 200,
          ...o,
          connection: connectionFor(),
        }) as unknown as AppQueueEvents,
    },
    connectionFor,
    () => Promise.resolve(),
  );
}

function assemble(
  kind: QueueBackendKind,
  workerDefaults: Partial<WorkerOptions>,
  queueName: (name: string) => string,
  build: Builders,
  connectionFor: (role: ConnectionRole) => Redis | PostgresPoolConfig,
  closeConnections: () => Promise<void>,
): QueueFactory {
  const workers = new Set<Closable>();
  const others = new Set<Closable>();
  return {
    kind,
    workerDefaults,
    connectionFor,
    queueName,
    createQueue<D, R>(name: string, o: FactoryQueueOptions = {}) {
      const queue = build.queue<D, R>(name, o);
      others.add(queue);
      return queue;
    },
    createWorker<D, R>(name: string, processor: Processor<D, R>, o: FactoryWorkerOptions = {}) {
      const worker = build.worker<D, R>(name, processor, { ...workerDefaults, ...o });
      workers.add(worker);
      return worker;
    },
    createQueueEvents(name: string, o: FactoryQueueEventsOptions = {}) {
      const events = build.queueEvents(name, o);
      others.add(events);
      return events;
    },
    async close() {
      // Workers first: they finish active jobs, which still write through the queues' backend.
      await Promise.all([...workers].map((worker) => worker.close()));
      await Promise.all([...others].map((instance) => instance.close()));
      workers.clear();
      others.clear();
      await closeConnections();
    },
  };
}
