import type { Block } from '../src/ports/chat';
import { formatDuration } from '../src/domain/sla/duration';
import {
  isFinal,
  RUN_STATE_TEXT,
  runRef,
  type Run,
  type RunStep,
  type StepState,
} from '../src/domain/runbooks/runbook';
import { escapeMrkdwn as esc, mention } from './mrkdwn';

export const RUNBOOK_ACTIONS = { approve: 'runbook_approve', cancel: 'runbook_cancel' } as const;

const STEP_ICON: Record<StepState, string> = {
  pending: ':white_circle:',
  running: ':hourglass_flowing_sand:',
  waiting_approval: ':raised_hand:',
  done: ':white_check_mark:',
  failed: ':x:',
  skipped: ':heavy_minus_sign:',
  undoing: ':leftwards_arrow_with_hook:',
  rolled_back: ':leftwards_arrow_with_hook:',
};

const STEP_TEXT: Record<StepState, string> = {
  pending: 'pending',
  running: 'running',
  waiting_approval: 'waiting for approval',
  done: 'done',
  failed: 'failed',
  skipped: 'skipped',
  undoing: 'rolling back',
  rolled_back: 'rolled back',
};

const RUN_TEXT = RUN_STATE_TEXT;

function took(step: RunStep, now: Date): string {
  if (!step.startedAt) return '';
  const end = step.finishedAt ?? now;
  const ms = Math.max(0, end.getTime() - step.startedAt.getTime());
  return ms < 1000 ? ` ${ms} ms` : ` ${formatDuration(Math.round(ms / 1000) * 1000)}`;
}

function stepLine(step: RunStep, now: Date): string {
  const state =
    step.kind === 'watch' && step.state === 'running' ? 'watching' : STEP_TEXT[step.state];
  const time = step.state === 'pending' || step.state === 'skipped' ? '' : took(step, now);
  const detail = step.error ?? step.output;
  const by = step.approvedBy ? ` (approved by ${mention(step.approvedBy)})` : '';
  const attempt = step.attempts > 1 ? ` · attempt ${step.attempts}` : '';
  return `${STEP_ICON[step.state]} ${step.index + 1}. ${esc(step.title)} — *${state}*${time}${attempt}${by}${detail ? `\n      ${esc(detail).slice(0, 400)}` : ''}`;
}

function bar(done: number, total: number): string {
  const width = 10;
  const full = total === 0 ? width : Math.round((done / total) * width);
  return `${'▰'.repeat(full)}${'▱'.repeat(width - full)}`;
}

/** "1h 42m left of 2h", or how late. */
function rtoLine(run: Run, now: Date, rtoMs: number): string | undefined {
  if (!run.rtoDueAt) return undefined;
  const resumed = run.steps.find((s) => s.id === 'resume-writes' && s.state === 'done');
  const end = resumed?.finishedAt ?? (isFinal(run.state) ? run.finishedAt : null);
  const total = formatDuration(rtoMs);
  if (end) {
    const started = run.rtoDueAt.getTime() - rtoMs;
    const used = end.getTime() - started;
    return `RTO: writes back after ${formatDuration(Math.max(1000, used))} of ${total}${end > run.rtoDueAt ? ' :red_circle: *breached*' : ''}`;
  }
  const left = run.rtoDueAt.getTime() - now.getTime();
  return left >= 0
    ? `RTO: ${formatDuration(Math.max(1000, left))} left of ${total}`
    : `RTO :red_circle: *breached* ${formatDuration(-left)} ago (${total})`;
}

/** The view a run's message renders: the run and how long its RTO is. */
export interface RunbookMessageView {
  run: Run;
  now: Date;
  rtoMs: number;
}

/**
 * A run's one message, edited in place: runbook, tenant, every step with its state and timing,
 * a progress bar, elapsed time, the RTO clock for restores, the outcome, and while the run acts
 * the Approve / Cancel buttons.
 */
export function renderRunbookMessage({ run, now, rtoMs }: RunbookMessageView): {
  text: string;
  blocks: Block[];
} {
  const ref = runRef(run.number);
  const forward = run.steps.filter((s) => s.kind !== 'watch');
  const done = forward.filter((s) => s.state === 'done' || s.state === 'skipped').length;
  const flags = [run.dryRun ? 'dry run' : '', run.demo ? 'demo target' : '']
    .filter(Boolean)
    .join(', ');
  const head = `:gear: *${ref}* · ${run.runbook} · *${esc(run.tenant)}*${flags ? ` (${flags})` : ''} · *${RUN_TEXT[run.state]}*`;
  const elapsed = formatDuration(
    Math.max(1000, (run.finishedAt ?? now).getTime() - run.createdAt.getTime()),
  );
  const meta = [
    `Requested by ${mention(run.requestedBy)}`,
    run.incident ? `incident INC-${run.incident}` : '',
    `${bar(done, forward.length)} ${done}/${forward.length} steps`,
    `elapsed ${elapsed}`,
    rtoLine(run, now, rtoMs) ?? '',
  ]
    .filter(Boolean)
    .join(' · ');
  const steps = run.steps.map((s) => stepLine(s, now)).join('\n');
  const outcome = run.outcome ? `*Outcome:* ${esc(run.outcome)}` : '';
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${head}\n${meta}` } },
    { type: 'section', text: { type: 'mrkdwn', text: steps.slice(0, 2900) || '_no steps_' } },
  ];
  if (outcome) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: outcome } });
  if (!isFinal(run.state)) {
    const buttons: Block[] = [];
    if (run.state === 'waiting_approval')
      buttons.push({
        type: 'button',
        action_id: RUNBOOK_ACTIONS.approve,
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value: String(run.number),
      });
    if (run.state === 'running' || run.state === 'waiting_approval')
      buttons.push({
        type: 'button',
        action_id: RUNBOOK_ACTIONS.cancel,
        text: { type: 'plain_text', text: 'Cancel' },
        style: 'danger',
        value: String(run.number),
      });
    if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  }
  const text = `${ref} ${run.runbook} ${run.tenant}: ${RUN_TEXT[run.state]} (${done}/${forward.length} steps)`;
  return { text, blocks };
}

/** `/runbook list`: the runbooks and the actor's recent runs. */
export function renderRunbookList(
  runbooks: readonly { name: string; summary: string; available: boolean }[],
  runs: readonly Run[],
): { text: string } {
  const lines = runbooks.map(
    (r) => `• \`${r.name}\` — ${esc(r.summary)}${r.available ? '' : ' _(not in this build)_'}`,
  );
  const recent = runs.map(
    (r) =>
      `• *${runRef(r.number)}* ${r.runbook} *${esc(r.tenant)}* — ${RUN_TEXT[r.state]}${r.dryRun ? ' (dry run)' : ''}`,
  );
  return {
    text: `*Runbooks*\n${lines.join('\n')}${recent.length ? `\n*Your recent runs*\n${recent.join('\n')}` : ''}\nRun one: \`/runbook run &lt;runbook&gt; &lt;tenant&gt; [key=value...] [--dry-run]\``,
  };
}

/** The approvers asked to let a waiting gate pass. */
export function renderApprovalRequest(run: Run, approvers: readonly string[]): string {
  const gate = run.steps.find((s) => s.state === 'waiting_approval');
  const who = approvers.length ? approvers.map(mention).join(' ') : 'An approver';
  return `:raised_hand: ${who}: *${runRef(run.number)}* ${run.runbook} of *${esc(run.tenant)}* waits for approval${gate ? ` before “${esc(gate.title)}”` : ''} (requested by ${mention(run.requestedBy)}). Approve with the button or \`/runbook approve ${runRef(run.number)}\`.`;
}

/** A restore's RTO passed with writes still paused. */
export function renderRtoBreach(run: Run, comms: readonly string[]): string {
  const who = comms.length ? `${comms.map(mention).join(' ')} ` : '';
  return `:red_circle: *SLA breach* · ${who}*${runRef(run.number)}* ${run.runbook} of *${esc(run.tenant)}*: the tenant's writes are not back within the RTO (due ${run.rtoDueAt?.toISOString() ?? '?'}).`;
}

/** Tenants whose newest good backup just got older than the RPO. */
export function renderRpoStale(
  tenants: readonly { tenant: string; newest: { id: string; at: Date } | null; rpoMs: number }[],
): string {
  const lines = tenants.map(
    (t) =>
      `• *${esc(t.tenant)}* — ${t.newest ? `newest good backup ${esc(t.newest.id)} taken ${t.newest.at.toISOString()}` : 'never backed up'} (RPO ${formatDuration(t.rpoMs)})`,
  );
  return `:warning: *Backup RPO missed* for ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}:\n${lines.join('\n')}\nRun \`/runbook run tenant-backup <tenant>\` or check the backup schedule.`.replace(
    '<tenant>',
    '&lt;tenant&gt;',
  );
}
