import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { ChatPort } from '../../ports/chat';
import type { Logger } from '../logging/logger';
import type { PgSlackDeliveryStore } from '../postgres/pg-slack-delivery-store';
import type { AppQueue } from './queue-backend';
import { executeCall, sendLive, type LiveRegistry } from './slack-delivery-calls';
import { classifySlackError } from './slack-delivery-errors';
import {
  burstToleranceMs,
  describeCall,
  laneJobId,
  parkDelayMs,
  type DeliveryJob,
  type LaneRate,
  type LaneRef,
  type SentPost,
} from './slack-delivery-jobs';

export interface DeliveryExecutorDeps {
  /** The real Slack client (no SDK retries, 429s rejected): retries are this queue's. */
  direct: ChatPort;
  store: PgSlackDeliveryStore;
  live: LiveRegistry;
  queue: AppQueue<DeliveryJob>;
  rate: LaneRate;
  log: Logger;
  now?: () => number;
  /** Counts 429s answered by Slack (all of them are honoured). */
  onRateLimited?: (method: string) => void;
}

const GO = 'go';
const DONE = 'done';

/**
 * Runs one delivery job. A chat.postMessage waits for its turn in its channel's lane (order) and
 * for the channel's rate (GCRA, Slack's ~1/s with a burst); a 429 delays it by Retry-After
 * without using an attempt; 5xx and network errors retry with backoff; a call that finally
 * fails is recorded, and its lane moves on.
 */
export class DeliveryExecutor {
  private readonly now: () => number;
  private readonly tolerance: number;

  constructor(private readonly deps: DeliveryExecutorDeps) {
    this.now = deps.now ?? Date.now;
    this.tolerance = burstToleranceMs(deps.rate);
  }

  async run(job: Job<DeliveryJob>, token?: string): Promise<unknown> {
    const lane = job.data.lane;
    if (lane && !job.data.sent) {
      const gate = await this.gate(job, lane);
      if (gate === DONE) return null;
      if (gate !== GO) return this.delay(job, token, gate);
    }
    let result: unknown = job.data.sent;
    let answeredMs: number | undefined;
    if (!job.data.sent) {
      if (!(await this.claimed(job))) {
        // Its owner withdrew it: nothing is sent, no slot is used, the lane moves on.
        if (lane) await this.advance(lane);
        return null;
      }
      try {
        result = await this.send(job.data);
      } catch (err) {
        return this.failed(job, token, err);
      }
      answeredMs = this.now();
      // Slack has it. Its owner's record (Postgres) and the job (Redis) both learn it before
      // anything else, so neither a retry nor a wiped queue posts it twice.
      await this.record(job, result as SentPost | undefined);
    } else if (job.data.op === 'call' && job.data.receipt && result) {
      // A retry after a failed record: the owner is told again (it is idempotent).
      await this.deps.live
        .receipt(job.data.receipt.kind)
        .delivered(job.data.receipt.ref, result as SentPost);
    }
    // A failure from here on is ours, retried without sending again.
    if (lane) await this.afterPost(job, lane, result as SentPost | undefined, answeredMs);
    return result ?? null;
  }

  /** May the job's post go? Only a post with a receipt can be withdrawn by its owner. */
  private async claimed(job: Job<DeliveryJob>): Promise<boolean> {
    const data = job.data;
    if (data.op !== 'call' || !data.receipt) return true;
    // Only a job never started before can't have sent it already (a crash after the send).
    const first = job.attemptsMade === 0 && job.attemptsStarted <= 1 && job.stalledCounter === 0;
    return this.deps.live.receipt(data.receipt.kind).claim(data.receipt.ref, { first });
  }

  private async record(job: Job<DeliveryJob>, sent: SentPost | undefined): Promise<void> {
    const data = job.data;
    const marks: Promise<unknown>[] = [];
    if (data.op === 'call' && data.receipt && sent)
      marks.push(this.deps.live.receipt(data.receipt.kind).delivered(data.receipt.ref, sent));
    if (data.lane && sent) marks.push(job.updateData({ ...data, sent }));
    const failed = (await Promise.allSettled(marks)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async send(data: DeliveryJob): Promise<unknown> {
    return data.op === 'call'
      ? executeCall(this.deps.direct, data.call)
      : sendLive(this.deps.direct, this.deps.live, data);
  }

  /** Tells a live message where its first post landed, then moves the lane on. */
  private async afterPost(
    job: Job<DeliveryJob>,
    lane: LaneRef,
    sent: SentPost | undefined,
    answeredMs: number | undefined,
  ): Promise<void> {
    if (job.data.op === 'live' && sent) {
      await this.deps.live
        .get(job.data.kind)
        .posted(job.data.ref, { channel: sent.channel, ts: sent.ts }, sent.version ?? 0);
    }
    await this.advance(lane, answeredMs);
  }

  private async gate(
    job: Job<DeliveryJob>,
    lane: LaneRef,
  ): Promise<typeof GO | typeof DONE | number> {
    const state = await this.deps.store.lane(lane.channel);
    // No lane row, or a newer one: the database was reset under a live queue. Send rather than
    // wait forever for a lane that is gone.
    if (!state || (lane.epoch !== undefined && state.epoch !== lane.epoch)) return GO;
    const done = state.doneSeq;
    if (done >= lane.seq) return DONE;
    if (done < lane.seq - 1) return this.waitForHead(job, lane, done);
    // GCRA: the post may go `tolerance` ahead of the channel's theoretical arrival time.
    const at = state.tatMs - this.tolerance;
    return this.now() >= at ? GO : at;
  }

  /** Behind others: sleep until about our turn (the predecessor wakes us). Repairs a lost head. */
  private async waitForHead(job: Job<DeliveryJob>, lane: LaneRef, done: number): Promise<number> {
    const headSeq = done + 1;
    const head = await this.deps.queue.getJob(laneJobId(lane.channel, headSeq, lane.epoch));
    const headState = head ? await head.getState() : 'unknown';
    if (headState !== 'unknown' && headState !== 'completed' && headState !== 'failed') {
      return this.now() + parkDelayMs(lane.seq - headSeq, this.deps.rate);
    }
    // Missing twice, 2 s apart (its enqueue failed after taking its number), or finished without
    // moving the lane on (a crash): skip it.
    if (headState === 'unknown' && job.data.suspect !== headSeq) {
      await job.updateData({ ...job.data, suspect: headSeq });
      return this.now() + 2000;
    }
    // A lost queue (Redis wiped) loses a run of them: skip to the first one that still exists.
    let last = headSeq;
    while (headState === 'unknown' && last + 1 < lane.seq && !(await this.exists(lane, last + 1)))
      last += 1;
    this.deps.log.warn(
      { channel: lane.channel, from: headSeq, to: last, headState },
      'slack lane posts lost; moving on',
    );
    await this.deps.store.finish({ ...lane, seq: last });
    return this.now();
  }

  private async exists(lane: LaneRef, seq: number): Promise<boolean> {
    return (await this.deps.queue.getJob(laneJobId(lane.channel, seq, lane.epoch))) !== undefined;
  }

  /** Marks the lane's post done (`answeredMs`: it was sent, using a slot) and wakes the next. */
  private async advance(lane: LaneRef, answeredMs?: number): Promise<void> {
    const state = await this.deps.store.finish(
      lane,
      answeredMs === undefined ? undefined : { answeredMs, intervalMs: this.deps.rate.intervalMs },
    );
    if (!state || state.nextSeq <= lane.seq) return;
    const next = await this.deps.queue.getJob(laneJobId(lane.channel, lane.seq + 1, lane.epoch));
    if (!next) return; // not added yet: its producer looks at the lane after adding it
    const wait = state.tatMs - this.tolerance - this.now();
    try {
      if (wait > 0) await next.changeDelay(wait);
      else await next.promote();
    } catch {
      // Not delayed any more: it woke up on its own and is on its way.
    }
  }

  private async delay(
    job: Job<DeliveryJob>,
    token: string | undefined,
    atMs: number,
  ): Promise<never> {
    await job.moveToDelayed(Math.max(atMs, this.now()), token);
    throw new DelayedError();
  }

  private async failed(
    job: Job<DeliveryJob>,
    token: string | undefined,
    err: unknown,
  ): Promise<never> {
    const verdict = classifySlackError(err);
    const call = describeCall(job.data);
    const lane = job.data.lane;
    if (verdict.kind === 'rate_limited') {
      this.deps.onRateLimited?.(call.method);
      const until = this.now() + verdict.retryAfterMs;
      if (lane) await this.deps.store.block(lane.channel, until, this.tolerance);
      this.deps.log.info(
        { method: call.method, channel: call.channel, retryAfterMs: verdict.retryAfterMs },
        'slack rate limited; waiting Retry-After',
      );
      return this.delay(job, token, until);
    }
    // Slack may have counted the post that failed: it uses up its slot.
    if (lane) await this.deps.store.sent(lane.channel, this.now(), this.deps.rate.intervalMs);
    const attempts = job.attemptsMade + 1;
    if (verdict.kind === 'retry' && attempts < (job.opts.attempts ?? 1)) throw err;
    await this.deps.store.recordFailure(
      { ...call, error: verdict.reason, attempts, jobId: job.id },
      new Date(this.now()),
    );
    if (lane) await this.advance(lane);
    this.deps.log.error(
      { err, method: call.method, channel: call.channel, attempts },
      'slack call failed for good; recorded',
    );
    throw new UnrecoverableError(`Slack ${call.method} failed: ${verdict.reason}`);
  }
}
