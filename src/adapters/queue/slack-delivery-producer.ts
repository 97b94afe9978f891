import { randomUUID } from 'node:crypto';
import type { Job, JobsOptions } from 'bullmq';
import type { PgSlackDeliveryStore } from '../postgres/pg-slack-delivery-store';
import type { AppQueue, AppQueueEvents } from './queue-backend';
import {
  BULK_PRIORITY,
  DELIVERY_JOB_OPTIONS,
  WAIT_POLL_MS,
  WAIT_TIMEOUT_MS,
  laneJobId,
  parkDelayMs,
  type DeliveryJob,
  type LaneRate,
} from './slack-delivery-jobs';

export interface ProducerDeps {
  queue: AppQueue<DeliveryJob>;
  /** Created on first use: only processes that wait for a result need one. */
  events: () => AppQueueEvents;
  store: PgSlackDeliveryStore;
  rate: LaneRate;
}

export interface AddOptions {
  /** Interactive calls (a modal, an ephemeral reply) go ahead of bulk deliveries. */
  interactive?: boolean;
  /** Coalescing: jobs with one id collapse while waiting; one more runs after an active one. */
  dedup?: { id: string; replace: boolean; delayMs: number };
}

const PENDING = Symbol('pending');

type Unlaned = DeliveryJob extends infer J
  ? J extends DeliveryJob
    ? Omit<J, 'lane' | 'sent' | 'suspect'>
    : never
  : never;

function jobName(data: Unlaned, lane: boolean): string {
  if (data.op === 'call') return data.call.method;
  return lane ? 'live-post' : 'live-edit';
}

/** Puts Slack calls on the delivery queue: posts into their channel's lane, the rest as they come. */
export class DeliveryProducer {
  // Calls this process makes for one channel get lane numbers in the order they were made.
  private readonly allocations = new Map<string, Promise<{ seq: number; done: number }>>();

  constructor(private readonly deps: ProducerDeps) {}

  async post(data: Unlaned, channel: string): Promise<Job<DeliveryJob>> {
    const [job] = await this.postAll([data], channel);
    if (!job) throw new Error('no job added');
    return job;
  }

  /** Posts into one channel's lane, in this order, with one lane update and one addBulk. */
  async postAll(datas: Unlaned[], channel: string): Promise<Job<DeliveryJob>[]> {
    if (datas.length === 0) return [];
    const { seq: first, done, epoch } = await this.allocate(channel, datas.length);
    const jobs = await this.deps.queue.addBulk(
      datas.map((data, i) => {
        const seq = first + i;
        const behind = seq - done - 1;
        return {
          name: jobName(data, true),
          data: { ...data, lane: { channel, seq, epoch } },
          opts: {
            ...DELIVERY_JOB_OPTIONS,
            priority: BULK_PRIORITY,
            jobId: laneJobId(channel, seq, epoch),
            delay: behind > 0 ? parkDelayMs(behind, this.deps.rate) : 0,
          },
        };
      }),
    );
    // The first may be next: its predecessor may have finished before it existed to be woken.
    // Further back, a missed wake-up costs at most its park, about when its turn comes anyway.
    const head = jobs[0];
    if (head && first - done - 1 > 0 && first - done - 1 < this.deps.rate.burst) {
      const lane = await this.deps.store.lane(channel);
      if (lane && lane.doneSeq >= first - 1) await head.promote().catch(() => undefined);
    }
    return jobs;
  }

  /**
   * `postAll` for several channels at once: one lane statement and one addBulk for all, each
   * channel's calls in the order given.
   */
  async postMany(items: readonly { data: Unlaned; channel: string }[]): Promise<void> {
    if (items.length === 0) return;
    const counts = new Map<string, number>();
    for (const { channel } of items) counts.set(channel, (counts.get(channel) ?? 0) + 1);
    const lanes = await this.allocateMany(counts);
    const used = new Map<string, number>();
    const jobs = items.map(({ data, channel }) => {
      const lane = lanes.get(channel) as { seq: number; done: number; epoch: string };
      const seq = lane.seq + (used.get(channel) ?? 0);
      used.set(channel, (used.get(channel) ?? 0) + 1);
      const behind = seq - lane.done - 1;
      return {
        name: jobName(data, true),
        data: { ...data, lane: { channel, seq, epoch: lane.epoch } },
        opts: {
          ...DELIVERY_JOB_OPTIONS,
          priority: BULK_PRIORITY,
          jobId: laneJobId(channel, seq, lane.epoch),
          delay: behind > 0 ? parkDelayMs(behind, this.deps.rate) : 0,
        },
      };
    });
    const added = await this.deps.queue.addBulk(jobs);
    // As in postAll: a lane's first call may be next though its predecessor finished first.
    await Promise.all(
      [...lanes].map(async ([channel, { seq, done }]) => {
        const behind = seq - done - 1;
        if (behind <= 0 || behind >= this.deps.rate.burst) return;
        const head = added[jobs.findIndex((j) => j.data.lane.channel === channel)];
        const lane = await this.deps.store.lane(channel);
        if (head && lane && lane.doneSeq >= seq - 1) await head.promote().catch(() => undefined);
      }),
    );
  }

  async add(data: Unlaned, opts: AddOptions = {}): Promise<Job<DeliveryJob>> {
    const jobOpts: JobsOptions = {
      ...DELIVERY_JOB_OPTIONS,
      jobId: `${data.op === 'call' ? data.call.method : 'live'}-${randomUUID()}`,
    };
    if (!opts.interactive) jobOpts.priority = BULK_PRIORITY;
    if (opts.dedup) {
      jobOpts.jobId = `${opts.dedup.id}-${randomUUID()}`;
      jobOpts.delay = opts.dedup.delayMs;
      jobOpts.deduplication = {
        id: opts.dedup.id,
        keepLastIfActive: true,
        ...(opts.dedup.replace ? { replace: true } : {}),
      };
    }
    return this.deps.queue.add(jobName(data, false), data, jobOpts);
  }

  /**
   * The job's result once delivered; rejects with Slack's error if it finally failed. The
   * finish event is the fast path; a look at the job every WAIT_POLL_MS covers an event that
   * never arrives (a QueueEvents reader that started after the job finished, a reconnect).
   */
  async wait<R>(job: Job<DeliveryJob>): Promise<R> {
    // Not BullMQ's waitUntilFinished: its 10-minute timer stays armed when the poll wins, which
    // kept every waited job (and the process, at shutdown) alive for ten minutes.
    const events = this.deps.events();
    let settled = false;
    let stopListening = () => undefined as void;
    const finished = new Promise<void>((resolve, reject) => {
      const onFinish = (args: { jobId: string }) => {
        if (args.jobId === job.id) resolve();
      };
      const timer = setTimeout(
        () =>
          reject(new Error(`delivery job ${job.id} did not finish within ${WAIT_TIMEOUT_MS} ms`)),
        WAIT_TIMEOUT_MS,
      );
      events.on('completed', onFinish);
      events.on('failed', onFinish);
      stopListening = () => {
        clearTimeout(timer);
        events.off('completed', onFinish);
        events.off('failed', onFinish);
      };
    });
    const event = finished.then(async () => {
      const outcome = await this.outcome<R>(job);
      // Not final after all (a failed attempt that will be retried): the poll carries on.
      return outcome === PENDING ? new Promise<R>(() => undefined) : outcome;
    });
    // Whichever loses may still settle later: that must not become an unhandled rejection.
    event.catch(() => undefined);
    const polled = this.poll<R>(job, () => settled);
    polled.catch(() => undefined);
    try {
      return await Promise.race([event, polled]);
    } finally {
      settled = true;
      stopListening();
    }
  }

  private async poll<R>(job: Job<DeliveryJob>, done: () => boolean): Promise<R> {
    // A first look at once: the job may have finished before the listener was attached.
    for (let waited = 0; waited < WAIT_TIMEOUT_MS && !done(); waited += WAIT_POLL_MS) {
      const outcome = await this.outcome<R>(job);
      if (outcome !== PENDING) return outcome;
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
    // Given up here: the event path rejects at its timeout.
    return new Promise<R>(() => undefined);
  }

  /** The finished job's return value; throws its failure; PENDING while it is not finished. */
  private async outcome<R>(job: Job<DeliveryJob>): Promise<R | typeof PENDING> {
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return PENDING;
    const finished = job.id ? await this.deps.queue.getJob(job.id) : undefined;
    if (state === 'completed') return finished?.returnvalue as R;
    throw new Error(finished?.failedReason || `delivery job ${job.id} failed`);
  }

  /** One allocation for several channels, after this process's earlier ones for any of them. */
  private allocateMany(
    counts: ReadonlyMap<string, number>,
  ): Promise<Map<string, { seq: number; done: number; epoch: string }>> {
    const before = [...counts.keys()].map(
      (c) => this.allocations.get(c)?.catch(() => undefined) ?? Promise.resolve(),
    );
    const all = Promise.all(before).then(() => this.deps.store.allocateMany(counts));
    for (const channel of counts.keys()) {
      const mine = all.then((m) => m.get(channel) as { seq: number; done: number; epoch: string });
      mine.catch(() => undefined);
      this.allocations.set(channel, mine);
      const forget = () => {
        if (this.allocations.get(channel) === mine) this.allocations.delete(channel);
      };
      mine.then(forget, forget);
    }
    return all;
  }

  private allocate(
    channel: string,
    count: number,
  ): Promise<{ seq: number; done: number; epoch: string }> {
    const before = this.allocations.get(channel);
    const next = (before ? before.catch(() => undefined) : Promise.resolve()).then(() =>
      this.deps.store.allocate(channel, count),
    );
    this.allocations.set(channel, next);
    const forget = () => {
      if (this.allocations.get(channel) === next) this.allocations.delete(channel);
    };
    next.then(forget, forget);
    return next;
  }
}
