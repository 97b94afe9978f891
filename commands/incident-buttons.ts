import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { acknowledgeIncident } from '../src/app/incident-actions';
import { incidentStatus } from '../src/app/incident-queries';
import { incidentRef } from '../src/domain/incidents/incident';
import { renderResolveModal, renderUpdateModal } from '../templates/declare-modal';
import { answering, replier, type CommandDeps } from './command-support';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

function context(deps: CommandDeps, { body, action, respond }: Args) {
  const channel = body.channel?.id;
  const user = body.user.id;
  const ref = Number(action.value);
  return {
    ref,
    actor: { user, channel },
    reply: replier(deps.chat, respond, channel, user),
  };
}

/** The card's Acknowledge button. */
export function acknowledgeButton(deps: CommandDeps) {
  return async (args: Args): Promise<void> => {
    await args.ack();
    const { ref, actor, reply } = context(deps, args);
    await answering(reply, async () => {
      await acknowledgeIncident(deps.incidents, actor, ref);
      await reply({ text: `Acknowledged ${incidentRef(ref)}.` });
    });
  };
}

/** Post update / Resolve open a modal once the person is known to see the incident. */
export function modalButton(deps: CommandDeps, kind: 'update' | 'resolve') {
  return async (args: Args): Promise<void> => {
    await args.ack();
    const { ref, actor, reply } = context(deps, args);
    await answering(reply, async () => {
      await incidentStatus(deps.incidents, actor, ref);
      const view = kind === 'update' ? renderUpdateModal(ref) : renderResolveModal(ref);
      await deps.chat.openModal(args.body.trigger_id, view);
    });
  };
}
