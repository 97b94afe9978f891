import type { RespondFn, SlackCommandMiddlewareArgs, SlashCommand } from '@slack/bolt';
import { parseIncidentCommand } from '../src/domain/incidents/incident-command';
import { slackTextToPlain } from '../templates/mrkdwn';

/** What a slash-command listener reads of Bolt's arguments; a queued command has no more. */
export type CommandArgs = Pick<SlackCommandMiddlewareArgs, 'command' | 'ack' | 'respond'>;
export type CommandListener = (args: CommandArgs) => Promise<void>;

/** A slash command handed from `web` to a worker: Slack's payload without its verification token. */
export interface QueuedCommand {
  command: SlashCommand;
  /** When `web` received it (epoch ms). */
  receivedAt: number;
}

export interface CommandQueue {
  enqueue(job: QueuedCommand): Promise<void>;
  /** The queue refused it (Redis down): it is run here instead, and this is told why. */
  onRunHere(err: unknown, command: SlashCommand): void;
}

/** A queued command's ack: Slack's was sent by `web` when the command arrived. */
export const acked: SlackCommandMiddlewareArgs['ack'] = () => Promise.resolve();

/**
 * Commands run where Slack's request arrived: opening a modal needs the request's trigger_id,
 * which Slack honours for 3 s only.
 */
export function runsInWeb(command: SlashCommand): boolean {
  if (command.command !== '/incident') return false;
  try {
    return parseIncidentCommand(slackTextToPlain(command.text)).kind === 'declare_modal';
  } catch {
    return false;
  }
}

/**
 * The listener as `web` runs it next to worker processes: ack, then hand the command to the
 * `slash-commands` queue, so the web's event loop only acks (Slack's 3 s, under any load) and a
 * worker runs the use case and answers at the command's response_url. A command the queue
 * refuses is run here: it is never dropped.
 */
export function queued(listener: CommandListener, queue: CommandQueue): CommandListener {
  return async (args) => {
    await args.ack();
    if (runsInWeb(args.command)) return listener({ ...args, ack: acked });
    // The verification token is a credential Slack deprecated; it has no use past this point.
    const { token: _token, ...rest } = args.command;
    try {
      await queue.enqueue({ command: { ...rest, token: '' }, receivedAt: Date.now() });
    } catch (err) {
      queue.onRunHere(err, args.command);
      await listener({ ...args, ack: acked });
    }
  };
}

/** Runs a queued command's listener as Bolt would have, answering at `respond`. */
export async function runQueued(
  listeners: Readonly<Record<string, CommandListener>>,
  fallback: CommandListener,
  command: SlashCommand,
  respond: RespondFn,
): Promise<void> {
  const listener = Object.prototype.hasOwnProperty.call(listeners, command.command)
    ? (listeners[command.command] as CommandListener)
    : fallback;
  await listener({ command, ack: acked, respond });
}
