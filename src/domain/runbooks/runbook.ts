/** The runbooks of PRODUCT.md §8, in the order `/runbook list` shows them. */
export const RUNBOOK_NAMES = [
  'tenant-backup',
  'tenant-restore',
  'tenant-migrate',
  'tenant-leak-response',
  'tenant-throttle',
  'tenant-corruption',
  'tenant-key-rotate',
  'tenant-preflight',
  'tenant-golive',
] as const;
export type RunbookName = (typeof RUNBOOK_NAMES)[number];

export function isRunbookName(text: string): text is RunbookName {
  return (RUNBOOK_NAMES as readonly string[]).includes(text);
}

/**
 * A run's life: `running` (steps go one after another), `waiting_approval` (a gate waits for a
 * second person), then `completed` or, on a failure, `failing` (undoing what must be undone to
 * leave the tenant writable) then `failed`; `cancelling` → `cancelled` and `rolling_back` →
 * `rolled_back` undo the completed steps in reverse.
 */
export const RUN_STATES = [
  'running',
  'waiting_approval',
  'completed',
  'failing',
  'failed',
  'cancelling',
  'cancelled',
  'rolling_back',
  'rolled_back',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** How a run's state reads in messages (PRODUCT §8's words). */
export const RUN_STATE_TEXT: Record<RunState, string> = {
  running: 'running',
  waiting_approval: 'waiting for approval',
  completed: 'completed',
  failing: 'failing (undoing to leave the tenant writable)',
  failed: 'failed',
  cancelling: 'cancelling',
  cancelled: 'cancelled',
  rolling_back: 'rolling back',
  rolled_back: 'rolled back',
};

/** States in which a run still acts on its tenant (a destructive one holds the tenant). */
export const ACTIVE_RUN_STATES: readonly RunState[] = [
  'running',
  'waiting_approval',
  'failing',
  'cancelling',
  'rolling_back',
];

export const STEP_STATES = [
  'pending',
  'running',
  'waiting_approval',
  'done',
  'failed',
  'skipped',
  'undoing',
  'rolled_back',
] as const;
export type StepState = (typeof STEP_STATES)[number];

/** `action` does something; `approval` waits for a second person; `watch` runs after the run ends. */
export type StepKind = 'action' | 'approval' | 'watch';

export interface RunStep {
  index: number;
  id: string;
  title: string;
  kind: StepKind;
  state: StepState;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** What the step did (or, in a dry run, would do). */
  output: string | null;
  error: string | null;
  approvedBy: string | null;
}

/** A runbook run RB-n as recorded in tenantops' database. */
export interface Run {
  number: number;
  runbook: RunbookName;
  tenant: string;
  params: Record<string, string>;
  dryRun: boolean;
  destructive: boolean;
  requestedBy: string;
  incident: number | null;
  state: RunState;
  steps: RunStep[];
  createdAt: Date;
  finishedAt: Date | null;
  /** The final word: what failed and what state the tenant is in, or what was done. */
  outcome: string | null;
  /** Facts steps pass on (the isolated schema's name, the backup id, the key version seen...). */
  context: Record<string, unknown>;
  /** Against the embedded demo target (console mode without TARGET_DATABASE_URL). */
  demo: boolean;
  /** Restores: the RTO deadline, from the first step's start. */
  rtoDueAt: Date | null;
  place: { channel: string | null; threadTs: string | null; messageTs: string | null };
  version: number;
}

export function runRef(n: number): string {
  return `RB-${n}`;
}

/** Parses `RB-12` (any case) into 12; undefined for anything else. */
export function parseRunRef(text: string): number | undefined {
  const m = /^RB-(\d{1,9})$/i.exec(text.trim());
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  return n > 0 ? n : undefined;
}

export function isFinal(state: RunState): boolean {
  return !ACTIVE_RUN_STATES.includes(state);
}

/** How each step is undone: `undo` exists; `onFailure`: a failure undoes it (tenant left writable). */
export interface StepUndo {
  undoable: boolean;
  onFailure: boolean;
}

/** What the engine does next for a run, read off its recorded state (the same after a restart). */
export type NextMove =
  | { kind: 'run'; step: RunStep }
  | { kind: 'wait_approval'; step: RunStep }
  | { kind: 'undo'; step: RunStep }
  | { kind: 'finish'; state: RunState }
  | { kind: 'none' };

const UNDONE_AT: Partial<Record<RunState, RunState>> = {
  failing: 'failed',
  cancelling: 'cancelled',
  rolling_back: 'rolled_back',
};

/**
 * The next move of a run. Forward: the first step neither done nor skipped (an approval gate
 * waits for its approval). Backward (failing, cancelling, rolling back): the last done step that
 * is undone in that case, and when none is left the run's final state. A step found `running` or
 * `undoing` was interrupted (a worker died): it is run or undone again, which steps allow.
 */
export function nextMove(run: Run, undo: readonly StepUndo[]): NextMove {
  if (isFinal(run.state)) return { kind: 'none' };
  const backTo = UNDONE_AT[run.state];
  // A dry run only planned: undoing its "done" steps would act on the tenant for real.
  if (backTo && run.dryRun) return { kind: 'finish', state: backTo };
  if (backTo) {
    // A step that started may have acted (it stopped mid-way, or failed after acting): its undo
    // is written to check the real state, so it is undone too.
    const started: readonly StepState[] = ['done', 'undoing', 'running', 'failed'];
    const candidates = run.steps.filter((s) => {
      const u = undo[s.index];
      if (!u || !started.includes(s.state)) return false;
      return run.state === 'failing' ? u.onFailure && u.undoable : u.undoable;
    });
    const last = candidates.at(-1);
    return last ? { kind: 'undo', step: last } : { kind: 'finish', state: backTo };
  }
  const step = run.steps.find(
    (s) => s.kind !== 'watch' && s.state !== 'done' && s.state !== 'skipped',
  );
  if (!step) return { kind: 'finish', state: 'completed' };
  if (step.kind === 'approval')
    return step.approvedBy ? { kind: 'run', step } : { kind: 'wait_approval', step };
  return { kind: 'run', step };
}
