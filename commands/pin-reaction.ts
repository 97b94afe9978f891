import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { pinMessageToTimeline } from '../src/app/pin-message';
import type { CommandDeps } from './command-support';

type Args = SlackEventMiddlewareArgs<'reaction_added'> & AllMiddlewareArgs;

/** A :pushpin: on a message in an incident channel copies the message to the timeline. */
export function pinReaction(deps: CommandDeps) {
  return async ({ event }: Args): Promise<void> => {
    if (event.reaction !== 'pushpin' || event.item.type !== 'message') return;
    const { channel, ts } = event.item;
    const message = await deps.chat.message(channel, ts);
    if (!message) return;
    await pinMessageToTimeline(deps.incidents, { user: event.user, channel, ts, ...message });
  };
}
