import { escapeMrkdwn } from '../templates/mrkdwn';
import { replier, type CommandDeps } from './command-support';
import type { CommandArgs } from './slash-queue';

type Args = CommandArgs;

/**
 * The product's slash commands (PRODUCT.md §6) and what to type first in each. The Slack app
 * manifest registers them; a build that doesn't serve one yet still answers it.
 */
export const PRODUCT_COMMANDS: Readonly<Record<string, string>> = {
  '/incident': '/incident help',
  '/tenant': '/tenant list',
  '/runbook': '/runbook list',
};

function tryText(served: readonly string[]): string {
  const hints = served.map((c) => `\`${PRODUCT_COMMANDS[c] ?? c}\``);
  return hints.length > 0 ? `try ${hints.join(', ')}` : 'this build serves no slash command';
}

/**
 * Answers a slash command no listener serves: one the product has but this build doesn't
 * (Slack only sends commands the manifest registers), or, typed at the console, one that
 * isn't a tenantops command at all.
 */
export function unservedCommand(deps: CommandDeps, served: readonly string[]) {
  return async ({ command, ack, respond }: Args): Promise<void> => {
    await ack();
    const name = escapeMrkdwn(command.command);
    const known = Object.prototype.hasOwnProperty.call(PRODUCT_COMMANDS, command.command);
    const text = known
      ? `:construction: \`${name}\` is not available in this build of tenantops; ${tryText(served)}.`
      : `\`${name}\` isn't a tenantops command; ${tryText(served)}.`;
    await replier(deps.chat, respond, command.channel_id, command.user_id)({ text });
  };
}
