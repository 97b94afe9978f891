import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { pinMessageToTimeline } from '../src/app/pin-message';
import { incidentRef } from '../src/domain/incidents/incident';
import type { Reply } from '../src/ports/chat';
import { answering, type CommandDeps } from './command-support';
import { slackTextToPlain } from '../templates/mrkdwn';

type Args = SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs;

/**
 * A :pushpin: on a message in an incident's channel or thread copies it to that incident's
 * timeline; a refusal (no role on the incident) is told to the person who pinned, only to them.
 */
export function pinReaction(deps: CommandDeps) {
  return async ({ event }: Args): Promise<void> => {
    if (event.reaction !== 'pushpin' || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    const message = await deps.chat.message(channel, ts);
    if (!message) return;
    const reply: Reply = (msg) => deps.chat.postEphemeral({ channel, user: event.user, ...msg });
    await answering(reply, async () => {
      const outcome = await pinMessageToTimeline(deps.incidents, {
        user: event.user,
        channel,
        ts,
        ...message,
        text: slackTextToPlain(message.text),
      });
      if (outcome.kind === 'pinned' && outcome.skipped.length > 0)
        await reply({
          text: `Pinned to ${incidentRef(outcome.incident)}'s timeline for ${outcome.tenants.join(', ')} only: you have no role on ${outcome.skipped.join(', ')}.`,
        });
    });
  };
}
