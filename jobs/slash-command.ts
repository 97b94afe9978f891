import { UnrecoverableError, type Job } from 'bullmq';
import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { QueuedCommand } from '../commands';

function isQueuedCommand(
  data: unknown,
  validUrl: (url: unknown) => boolean,
): data is QueuedCommand {
  const c = (data as Partial<QueuedCommand> | null)?.command as Partial<SlashCommand> | undefined;
  if (!c || typeof c !== 'object') return false;
  const strings = ['command', 'text', 'user_id', 'channel_id'] as const;
  return strings.every((k) => typeof c[k] === 'string') && validUrl(c.response_url);
}

/**
 * `slash-commands` processor: a command `web` acked and queued, run by its listener here and
 * answered at its response_url. Never retried: a use case is not safe to run twice (a declare
 * would open two incidents); a failure was already answered to the person by the listener.
 */
export function slashCommandProcessor(
  run: (command: SlashCommand, respond: RespondFn) => Promise<void>,
  respondTo: (responseUrl: string) => RespondFn,
  validUrl: (url: unknown) => boolean,
) {
  return async (job: Job<QueuedCommand>): Promise<void> => {
    if (!isQueuedCommand(job.data, validUrl))
      throw new UnrecoverableError(`malformed slash command job ${job.id ?? ''}`);
    const { command } = job.data;
    await run(command, respondTo(command.response_url));
  };
}
