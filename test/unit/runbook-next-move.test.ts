// nextMove as a table: what the engine does next, read off a run's recorded state alone (so the
// same after a restart). A run is written `<state> <step> <step>…`, a step `id:state` (pending
// when left out), `!` marking an approval gate (`!gate:pending:U0APPROVER`: approved), `~` a watch.
import {
  nextMove,
  type Run,
  type RunState,
  type RunStep,
  type StepState,
  type StepUndo,
} from '../../src/domain/runbooks/runbook';

function stepOf(text: string, index: number): RunStep {
  const [name = '', state = 'pending', approvedBy = null] = text.split(':');
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
    approvedBy,
  };
}

function runOf(text: string, dryRun = false): Run {
  const [state, ...steps] = text.split(' ');
  return {
    number: 7,
    runbook: 'tenant-restore',
    tenant: 'acme',
    params: {},
    dryRun,
    destructive: true,
    requestedBy: 'U0ACME',
    incident: null,
    state: state as RunState,
    steps: steps.map(stepOf),
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

interface Row {
  run: string;
  undo: string;
  move: string;
}

describe('nextMove forward (running, waiting for approval)', () => {
  it.each`
    run                                                   | undo      | move                  | why
    ${'running a b'}                                      | ${'--'}   | ${'run a'}            | ${'a new run starts at its first step'}
    ${'running a:done b:skipped c d'}                     | ${'----'} | ${'run c'}            | ${'the first step neither done nor skipped runs'}
    ${'running a:done b:running c'}                       | ${'---'}  | ${'run b'}            | ${'a step found running after a crash is run again'}
    ${'running a:done b:failed'}                          | ${'--'}   | ${'run b'}            | ${'a failed step is not passed over: the run cannot skip it'}
    ${'running a:done !gate c'}                           | ${'---'}  | ${'wait gate'}        | ${'an approval gate waits for its approval'}
    ${'waiting_approval a:done !gate:waiting_approval c'} | ${'---'}  | ${'wait gate'}        | ${'a gate already waiting keeps waiting'}
    ${'running a:done !gate:pending:U0APPROVER c'}        | ${'---'}  | ${'run gate'}         | ${'an approved gate passes'}
    ${'running a:done !gate:done:U0APPROVER c'}           | ${'---'}  | ${'run c'}            | ${'after the gate, the next step'}
    ${'running a:done b:done'}                            | ${'--'}   | ${'finish completed'} | ${'every step done: completed'}
    ${'running a:done b:skipped'}                         | ${'--'}   | ${'finish completed'} | ${'done and skipped: completed'}
    ${'running a:done b:done ~watch'}                     | ${'---'}  | ${'finish completed'} | ${'a watch step is after-care, not a step to run'}
    ${'running a:done ~watch c'}                          | ${'---'}  | ${'run c'}            | ${'a watch step in the middle is passed over'}
    ${'running'}                                          | ${''}     | ${'finish completed'} | ${'a run of no steps completes'}
  `('$why', ({ run, undo, move }: Row) => {
    expect(said(runOf(run), undo)).toBe(move);
  });
});

describe('nextMove backward (failing, cancelling, rolling back)', () => {
  // Which steps are undone: the last started one that has an undo, then the one before…
  it.each`
    run                                             | undo      | move                    | why
    ${'cancelling a:done b:done c'}                 | ${'uuu'}  | ${'undo b'}             | ${'cancelling undoes the last done step first'}
    ${'cancelling a:done b:rolled_back c:skipped'}  | ${'uuu'}  | ${'undo a'}             | ${'then the one before it'}
    ${'cancelling a:done b:done'}                   | ${'u-'}   | ${'undo a'}             | ${'a step with no undo is passed over'}
    ${'cancelling a:done b:undoing'}                | ${'uu'}   | ${'undo b'}             | ${'a step still undoing (its worker died) is undone again'}
    ${'cancelling a:done b:running c'}              | ${'uuu'}  | ${'undo b'}             | ${'a step that was running may have acted: undone'}
    ${'rolling_back a:done b:failed'}               | ${'uu'}   | ${'undo b'}             | ${'a step that failed may have acted: undone'}
    ${'cancelling a:done b:skipped c'}              | ${'uuu'}  | ${'undo a'}             | ${'pending and skipped steps never ran: not undone'}
    ${'cancelling a:done !gate:waiting_approval c'} | ${'uuu'}  | ${'undo a'}             | ${'a gate waiting for approval did nothing: not undone'}
    ${'cancelling a:rolled_back b:rolled_back c'}   | ${'uuu'}  | ${'finish cancelled'}   | ${'nothing left to undo: cancelled'}
    ${'cancelling a:done b:done'}                   | ${'--'}   | ${'finish cancelled'}   | ${'nothing undoable: cancelled at once'}
    ${'rolling_back a:done b:done c:done'}          | ${'uuu'}  | ${'undo c'}             | ${'rolling back a completed run, last step first'}
    ${'rolling_back a:rolled_back b:rolled_back'}   | ${'uu'}   | ${'finish rolled_back'} | ${'every step undone: rolled back'}
    ${'cancelling a:done b:done'}                   | ${'u'}    | ${'undo a'}             | ${'a step the definition no longer has is not undone'}
    ${'failing a:done b:done c:failed'}             | ${'fuu'}  | ${'undo a'}             | ${'failing undoes only undoOnFailure steps'}
    ${'failing a:done b:failed'}                    | ${'ff'}   | ${'undo b'}             | ${'failing: the failed step is undone if it says so'}
    ${'failing a:done b:done c:done d:failed'}      | ${'fuf-'} | ${'undo c'}             | ${'failing: the last undoOnFailure step first'}
    ${'failing a:done b:done c:failed'}             | ${'uuu'}  | ${'finish failed'}      | ${'failing with no undoOnFailure step left: failed'}
    ${'failing a:rolled_back b:failed'}             | ${'fu'}   | ${'finish failed'}      | ${'failing after the undo: failed'}
  `('$why', ({ run, undo, move }: Row) => {
    expect(said(runOf(run), undo)).toBe(move);
  });

  it('an undoOnFailure flag without an undo undoes nothing', () => {
    const undo = [
      { undoable: false, onFailure: true },
      { undoable: true, onFailure: false },
    ];
    expect(nextMove(runOf('failing a:done b:failed'), undo)).toEqual({
      kind: 'finish',
      state: 'failed',
    });
  });

  it.each`
    run                              | move
    ${'failing a:done b:failed'}     | ${'finish failed'}
    ${'cancelling a:done b:running'} | ${'finish cancelled'}
    ${'rolling_back a:done b:done'}  | ${'finish rolled_back'}
  `('a dry run $run undoes nothing: its steps only planned', ({ run, move }: Row) => {
    expect(said(runOf(run, true), 'ff')).toBe(move);
  });
});

describe('nextMove of a run that ended', () => {
  it.each<RunState>(['completed', 'failed', 'cancelled', 'rolled_back'])(
    '%s: nothing to do',
    (state) => {
      expect(said(runOf(`${state} a:done b`), 'uu')).toBe('none');
    },
  );
});
