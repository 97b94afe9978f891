import type { SlaDeps } from '../app/sla-deps';
import { reconcileTimers, redeliverStalled } from '../app/sla-reconcile';
import type { Logger } from '../adapters/logging/logger';

export interface ReconcilerOptions {
  /** How often the queue's canary is checked (a wiped queue is rebuilt within this). */
  tickMs: number;
  /** Every this many ticks: re-post events whose worker died mid-post. */
  stalledEvery: number;
  /** Every this many ticks: the full pass (every active clock has its timer; repairs). */
  fullEvery: number;
}

/**
 * Runs the reconciler at start and on a ticker: at once when the queue's state was wiped
 * (FLUSHALL), regularly otherwise. One pass at a time; failures are logged and retried on the
 * next tick, because the worker must keep processing timers meanwhile.
 */
export class ReconcileLoop {
  private ticker: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private ticks = 0;

  constructor(
    private readonly deps: SlaDeps,
    private readonly opts: ReconcilerOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await this.guarded(async () => {
      await this.deps.timers.lost();
      await this.full('start');
    });
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.guarded(() => this.step()).finally(() => {
      this.running = undefined;
    });
  }

  private async step(): Promise<void> {
    this.ticks += 1;
    if (await this.deps.timers.lost()) return this.full('queue state lost');
    if (this.ticks % this.opts.fullEvery === 0) return this.full('periodic');
    if (this.ticks % this.opts.stalledEvery === 0) await redeliverStalled(this.deps);
  }

  private async full(reason: string): Promise<void> {
    const started = Date.now();
    const report = await reconcileTimers(this.deps);
    const level = reason === 'periodic' ? 'debug' : 'info';
    this.log[level]({ reason, ...report, ms: Date.now() - started }, 'SLA timers reconciled');
  }

  private async guarded(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.log.error({ err }, 'SLA reconciler pass failed; retrying on the next tick');
    }
  }
}
