// nextMove as a table: what the engine does next, read off a run's recorded state alone (so the
// same after a restart). Steps are written `id:state`, `!` marking an approval gate, `~` a watch.
import {
  nextMove,
  type Run,
  type RunState,
  type RunStep,
  type StepState,
  type StepUndo,
} from '../../src/domain/runbooks/runbook';

function stepOf(text: string, index: number, approvedBy: string | null): RunStep {
  const [name = '', state = 'pending'] = text.split(':');
  const kind = name.startsWith('!') ? 'approval' : name.startsWith('~') ? 'watch' : 'action';
  return {
    index,
    id: name.replace(/^[!~]/, ''),
    title: name,
    kind,
    state: state as StepState,
    attempts: 0,
    startedAt: null,
    finishedAt: null,
    output: null,
    error: null,
    approvedBy: kind === 'approval' ? approvedBy : null,
  };
}

function runOf(state: RunState, steps: string[], approvedBy: string | null = null): Run {
  return {
    number: 7,
    runbook: 'tenant-restore',
    tenant: 'acme',
    params: {},
    dryRun: false,
    destructive: true,
    requestedBy: 'U0ACME',
    incident: null,
    state,
    steps: steps.map((s, i) => stepOf(s, i, approvedBy)),
    createdAt: new Date('2026-03-10T09:00:00Z'),
    finishedAt: null,
    outcome: null,
    context: {},
    demo: false,
    rtoDueAt: null,
    place: { channel: null, threadTs: null, messageTs: null },
    version: 1,
  };
}

/** `u` undoable, `f` undoable and undone on failure, `-` no undo (one letter per step). */
function undoOf(spec: string): StepUndo[] {
  return [...spec].map((c) => ({ undoable: c !== '-', onFailure: c === 'f' }));
}

/** The move in a word: `run b`, `wait b`, `undo a`, `finish failed`, `none`. */
function said(run: Run, undo: string): string {
  const move = nextMove(run, undoOf(undo));
  switch (move.kind) {
    case 'run':
      return `run ${move.step.id}`;
    case 'wait_approval':
      return `wait ${move.step.id}`;
    case 'undo':
      return `undo ${move.step.id}`;
    case 'finish':
      return `finish ${move.state}`;
    case 'none':
      return 'none';
  }
}

describe('nextMove forward (running, waiting for approval)', () => {
  it.each<[string, RunState, string[], string, string | null, string]>([
    ['a new run starts at its first step', 'running', ['a', 'b'], '--', null, 'run a'],
    [
      'the first step neither done nor skipped',
      'running',
      ['a:done', 'b:skipped', 'c', 'd'],
      '----',
      null,
      'run c',
    ],
    [
      'a step found running after a crash is run again',
      'running',
      ['a:done', 'b:running', 'c'],
      '---',
      null,
      'run b',
    ],
    [
      'a failed step is not passed over: the run cannot skip it',
      'running',
      ['a:done', 'b:failed'],
      '--',
      null,
      'run b',
    ],
    [
      'an approval gate waits for its approval',
      'running',
      ['a:done', '!gate', 'c'],
      '---',
      null,
      'wait gate',
    ],
    [
      'a gate already waiting keeps waiting',
      'waiting_approval',
      ['a:done', '!gate:waiting_approval', 'c'],
      '---',
      null,
      'wait gate',
    ],
    [
      'an approved gate passes',
      'running',
      ['a:done', '!gate:pending', 'c'],
      '---',
      'U0APPROVER',
      'run gate',
    ],
    [
      'after the gate, the next step',
      'running',
      ['a:done', '!gate:done', 'c'],
      '---',
      'U0APPROVER',
      'run c',
    ],
    ['every step done: completed', 'running', ['a:done', 'b:done'], '--', null, 'finish completed'],
    [
      'done and skipped: completed',
      'running',
      ['a:done', 'b:skipped'],
      '--',
      null,
      'finish completed',
    ],
    [
      'watch steps are after-care, not steps to run',
      'running',
      ['a:done', 'b:done', '~watch'],
      '---',
      null,
      'finish completed',
    ],
    [
      'a watch step in the middle is passed over',
      'running',
      ['a:done', '~watch', 'c'],
      '---',
      null,
      'run c',
    ],
    ['a run of no steps completes', 'running', [], '', null, 'finish completed'],
  ])('%s', (_, state, steps, undo, approvedBy, move) => {
    expect(said(runOf(state, steps, approvedBy), undo)).toBe(move);
  });
});

describe('nextMove backward (failing, cancelling, rolling back)', () => {
  it.each<[string, RunState, string[], string, string]>([
    // Which steps are undone: the last started one that has an undo, then the one before…
    [
      'cancelling undoes the last done step first',
      'cancelling',
      ['a:done', 'b:done', 'c'],
      'uuu',
      'undo b',
    ],
    [
      'then the one before it',
      'cancelling',
      ['a:done', 'b:rolled_back', 'c:skipped'],
      'uuu',
      'undo a',
    ],
    ['a step with no undo is passed over', 'cancelling', ['a:done', 'b:done'], 'u-', 'undo a'],
    [
      'a step still undoing (its worker died) is undone again',
      'cancelling',
      ['a:done', 'b:undoing'],
      'uu',
      'undo b',
    ],
    [
      'a step that was running may have acted: undone',
      'cancelling',
      ['a:done', 'b:running', 'c'],
      'uuu',
      'undo b',
    ],
    [
      'a step that failed may have acted: undone',
      'rolling_back',
      ['a:done', 'b:failed'],
      'uu',
      'undo b',
    ],
    [
      'pending and skipped steps never ran: not undone',
      'cancelling',
      ['a:done', 'b:skipped', 'c'],
      'uuu',
      'undo a',
    ],
    [
      'a gate waiting for approval did nothing: not undone',
      'cancelling',
      ['a:done', '!gate:waiting_approval', 'c'],
      'uuu',
      'undo a',
    ],
    [
      'nothing left to undo: cancelled',
      'cancelling',
      ['a:rolled_back', 'b:rolled_back', 'c'],
      'uuu',
      'finish cancelled',
    ],
    [
      'nothing undoable: cancelled at once',
      'cancelling',
      ['a:done', 'b:done'],
      '--',
      'finish cancelled',
    ],
    [
      'rolling back a completed run, last step first',
      'rolling_back',
      ['a:done', 'b:done', 'c:done'],
      'uuu',
      'undo c',
    ],
    [
      'every step undone: rolled back',
      'rolling_back',
      ['a:rolled_back', 'b:rolled_back'],
      'uu',
      'finish rolled_back',
    ],
    // Failing undoes only what leaves the tenant writable (undoOnFailure).
    [
      'failing undoes only undoOnFailure steps',
      'failing',
      ['a:done', 'b:done', 'c:failed'],
      'fuu',
      'undo a',
    ],
    [
      'failing: the failed step is undone if it says so',
      'failing',
      ['a:done', 'b:failed'],
      'ff',
      'undo b',
    ],
    [
      'failing: the last undoOnFailure step first',
      'failing',
      ['a:done', 'b:done', 'c:done', 'd:failed'],
      'fuf-',
      'undo c',
    ],
    [
      'failing with no undoOnFailure step left: failed',
      'failing',
      ['a:done', 'b:done', 'c:failed'],
      'uuu',
      'finish failed',
    ],
    [
      'failing after the undo: failed',
      'failing',
      ['a:rolled_back', 'b:failed'],
      'fu',
      'finish failed',
    ],
  ])('%s', (_, state, steps, undo, move) => {
    expect(said(runOf(state, steps), undo)).toBe(move);
  });

  it.each<[RunState, string]>([
    ['failing', 'finish failed'],
    ['cancelling', 'finish cancelled'],
    ['rolling_back', 'finish rolled_back'],
  ])('a dry run %s undoes nothing: its steps only planned', (state, move) => {
    const run = { ...runOf(state, ['a:done', 'b:failed']), dryRun: true };
    expect(said(run, 'ff')).toBe(move);
  });

  it('an undoOnFailure flag without an undo undoes nothing', () => {
    const run = runOf('failing', ['a:done', 'b:failed']);
    expect(
      nextMove(run, [
        { undoable: false, onFailure: true },
        { undoable: true, onFailure: false },
      ]),
    ).toEqual({
      kind: 'finish',
      state: 'failed',
    });
  });

  it('a step the definition no longer has is not undone', () => {
    expect(said(runOf('cancelling', ['a:done', 'b:done']), 'u')).toBe('undo a');
  });
});

describe('nextMove of a run that ended', () => {
  it.each<RunState>(['completed', 'failed', 'cancelled', 'rolled_back'])(
    '%s: nothing to do',
    (state) => {
      expect(said(runOf(state, ['a:done', 'b:pending']), 'uu')).toBe('none');
    },
  );
});
