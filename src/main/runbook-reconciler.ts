import { reconcileRuns } from '../app/runbooks/runbook-reconcile';
import type { RunbookDeps } from '../app/runbooks/runbook-deps';

/** Runs `reconcileRuns` at start and every `everyMs` (a worker killed mid-step, a lost job). */
export class RunbookReconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly deps: RunbookDeps,
    private readonly everyMs: number,
  ) {}

  async start(): Promise<void> {
    await this.pass();
    this.timer = setInterval(() => void this.pass(), this.everyMs);
    this.timer.unref();
  }

  private pass(): Promise<void> {
    this.running ??= reconcileRuns(this.deps)
      .then((r) => {
        if (r.requeued > 0) this.deps.log.info({ ...r }, 'runbook runs re-queued');
      })
      .catch((err: unknown) => this.deps.log.error({ err }, 'runbook reconciler failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
