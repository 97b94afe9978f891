import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  approveRun,
  cancelRun,
  recentRuns,
  refuseBadRun,
  rollbackRun,
  runStatus,
  startRun,
} from '../src/app/runbooks/runbook-commands';
import type { RunbookDeps } from '../src/app/runbooks/runbook-deps';
import type { Actor } from '../src/app/incident-deps';
import { DomainError } from '../src/domain/errors';
import { RUNBOOK_NAMES, runRef } from '../src/domain/runbooks/runbook';
import {
  parseRunbookCommand,
  RunParamsError,
  RUNBOOK_USAGE,
  type RunbookCommand,
} from '../src/domain/runbooks/runbook-command';
import type { Reply } from '../src/ports/chat';
import { plainToMrkdwn, slackTextToPlain } from '../templates/mrkdwn';
import { renderRunbookList, renderRunbookMessage } from '../templates/runbook-message';
import { answering, replier, type CommandDeps } from './command-support';
import type { CommandArgs } from './slash-queue';

type Args = CommandArgs;
type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function runbooks(deps: CommandDeps): RunbookDeps {
  if (!deps.runbooks)
    throw new DomainError('runbooks_unavailable', 'Runbooks are not enabled in this tenantops.');
  return deps.runbooks;
}

/** `/runbook …`: ack at once, parse, run one use case, reply with one template. */
export function runbookCommand(deps: CommandDeps) {
  return async ({ command, ack, respond }: Args): Promise<void> => {
    // Slack retries after 3 s, so ack before any I/O.
    await ack();
    const actor: Actor = { user: command.user_id, channel: command.channel_id };
    const reply = replier(deps.chat, respond, command.channel_id, command.user_id);
    await answering(reply, async () => {
      let cmd: RunbookCommand;
      try {
        cmd = parseRunbookCommand(slackTextToPlain(command.text));
      } catch (err) {
        if (err instanceof RunParamsError)
          await refuseBadRun(runbooks(deps), actor, err.tenant, err);
        throw err;
      }
      await run(deps, actor, cmd, reply);
    });
  };
}

async function run(
  deps: CommandDeps,
  actor: Actor,
  cmd: RunbookCommand,
  reply: Reply,
): Promise<void> {
  const rb = runbooks(deps);
  switch (cmd.kind) {
    case 'help':
      return reply({ text: plainToMrkdwn(`tenantops runbooks\n${RUNBOOK_USAGE}`) });
    case 'list': {
      const list = RUNBOOK_NAMES.map((name) => ({
        name,
        summary: rb.runbooks[name]?.summary ?? '',
        available: Boolean(rb.runbooks[name]),
      }));
      return reply(renderRunbookList(list, await recentRuns(rb, actor)));
    }
    case 'run': {
      const r = await startRun(rb, actor, cmd);
      const where = r.place.channel ? ' Progress is posted in this channel.' : '';
      return reply({
        text: `Started *${runRef(r.number)}* ${r.runbook} for *${r.tenant}*${r.dryRun ? ' (dry run: nothing will change)' : ''}${r.demo ? ' on the demo target' : ''}.${where}`,
      });
    }
    case 'status':
      return reply(
        renderRunbookMessage({
          run: await runStatus(rb, actor, cmd.run),
          now: rb.clock.now(),
          rtoMs: rb.settings.rtoMs,
        }),
      );
    case 'approve':
      await approveRun(rb, actor, cmd.run);
      return reply({ text: `Approved ${runRef(cmd.run)}: it carries on.` });
    case 'cancel':
      await cancelRun(rb, actor, cmd.run);
      return reply({
        text: `Cancelling ${runRef(cmd.run)}: completed steps are undone in reverse.`,
      });
    case 'rollback':
      await rollbackRun(rb, actor, cmd.run);
      return reply({ text: `Rolling back ${runRef(cmd.run)}.` });
  }
}

/** The run message's Approve and Cancel buttons. */
export function runbookButton(deps: CommandDeps, kind: 'approve' | 'cancel') {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const actor: Actor = { user: body.user.id, channel: body.channel?.id };
    const reply = replier(deps.chat, respond, body.channel?.id, body.user.id);
    const number = Number(action.value);
    await answering(reply, async () => {
      if (!Number.isSafeInteger(number) || number < 1)
        throw new DomainError('bad_run', 'That button names no run.');
      await run(deps, actor, { kind, run: number }, reply);
    });
  };
}

/**
 * The "Start tenant-restore" button a leak response or corruption run posts when data was
 * altered: the person who clicks starts the restore (their roles checked like `/runbook run`).
 */
export function restoreOfferButton(deps: CommandDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const actor: Actor = { user: body.user.id, channel: body.channel?.id };
    const reply = replier(deps.chat, respond, body.channel?.id, body.user.id);
    await answering(reply, async () => {
      const m = /^([a-z0-9-]{2,40})(?: (INC-\d{1,9}))?$/.exec(action.value ?? '');
      if (!m?.[1]) throw new DomainError('bad_offer', 'That button names no tenant.');
      await run(
        deps,
        actor,
        {
          kind: 'run',
          runbook: 'tenant-restore',
          tenant: m[1],
          params: m[2] ? { incident: m[2] } : {},
          dryRun: false,
          sandbox: false,
        },
        reply,
      );
    });
  };
}
