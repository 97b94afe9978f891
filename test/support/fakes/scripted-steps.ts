// Runbook steps that act on nothing but a call log: each plan / run / undo is recorded, and a
// test scripts failures (passing or final) and holds a call mid-way (a worker still in a step).
import type { RunbookDef, StepDef, StepResult } from '../../../src/app/runbooks/runbook-def';
import { DomainError } from '../../../src/domain/errors';
import type { StepKind } from '../../../src/domain/runbooks/runbook';

/** A failure worth another try, as the target being briefly away is. */
export function passing(message: string): Error {
  return Object.assign(new Error(message), { retryable: true });
}

/** A broken rule: no retry helps. */
export function final(message: string): DomainError {
  return new DomainError('bad_state', message);
}

export interface StepSpec {
  id: string;
  kind?: StepKind;
  /** The step can be undone. */
  undo?: boolean;
  undoOnFailure?: boolean;
}

type Call = `${'plan' | 'run' | 'undo'}:${string}`;

interface Held {
  release(): void;
  fail(err: unknown): void;
}

/** The steps' calls in order (`run:pause`, `undo:pause`, `plan:copy`), and their scripts. */
export class ScriptedSteps {
  readonly calls: Call[] = [];
  private readonly failures = new Map<Call, unknown[]>();
  private readonly holds = new Map<Call, Promise<void>>();
  private readonly entered = new Map<Call, () => void>();

  /** The next calls of `call` throw these, one each, then calls succeed again. */
  failNext(call: Call, ...errors: unknown[]): void {
    this.failures.set(call, [...(this.failures.get(call) ?? []), ...errors]);
  }

  /**
   * The next `call` waits until released (or failed). Resolves `started` once the call is
   * under way, so a test knows the worker is inside the step before acting.
   */
  hold(call: Call): Held & { started: Promise<void> } {
    let release!: () => void;
    let fail!: (err: unknown) => void;
    const gate = new Promise<void>((res, rej) => {
      release = res;
      fail = rej;
    });
    this.holds.set(call, gate);
    const started = new Promise<void>((res) => this.entered.set(call, res));
    return { release, fail, started };
  }

  count(call: Call): number {
    return this.calls.filter((c) => c === call).length;
  }

  private async act(call: Call): Promise<void> {
    this.calls.push(call);
    const held = this.holds.get(call);
    if (held) {
      this.holds.delete(call);
      this.entered.get(call)?.();
      await held;
    }
    const queued = this.failures.get(call);
    if (queued && queued.length > 0) throw queued.shift();
  }

  /** StepDefs for `specs`; each run passes on `{ <id>: 'done' }` to later steps. */
  steps(specs: readonly StepSpec[]): StepDef[] {
    return specs.map((spec) => {
      const def: StepDef = {
        id: spec.id,
        title: `Step ${spec.id}`,
        ...(spec.kind ? { kind: spec.kind } : {}),
        ...(spec.undoOnFailure ? { undoOnFailure: true } : {}),
        plan: async () => {
          await this.act(`plan:${spec.id}`);
          return `${spec.id} something`;
        },
        run: async (): Promise<StepResult> => {
          await this.act(`run:${spec.id}`);
          return { summary: `${spec.id} ok`, data: { [spec.id]: 'done' } };
        },
      };
      if (spec.undo)
        def.undo = async () => {
          await this.act(`undo:${spec.id}`);
          return `${spec.id} undone`;
        };
      return def;
    });
  }
}

/** A runbook of scripted steps (named tenant-restore unless `over` says otherwise). */
export function scriptedRunbook(
  steps: ScriptedSteps,
  specs: readonly StepSpec[],
  over: Partial<RunbookDef> = {},
): RunbookDef {
  return {
    name: 'tenant-restore',
    summary: 'scripted steps',
    destructive: true,
    needsTarget: false,
    steps: () => steps.steps(specs),
    ...over,
  };
}
