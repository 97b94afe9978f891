import type {
  AllMiddlewareArgs,
  BlockButtonAction,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
} from '@slack/bolt';
import {
  approveCustomerMessage,
  customerMessageForEdit,
  editCustomerMessage,
} from '../src/app/customer-updates';
import { editPeople, peopleForEdit } from '../src/app/postmortem-people';
import { DomainError } from '../src/domain/errors';
import { incidentRef } from '../src/domain/incidents/incident';
import { PEOPLE_SECTIONS, type PeopleSections } from '../src/domain/postmortems/people';
import { renderCustomerEditModal } from '../templates/customer-draft';
import { renderPeopleModal } from '../templates/postmortem-slack';
import { answering, replier, UNAVAILABLE, type CommandDeps } from './command-support';
import { postmortems } from './postmortem-subcommands';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
type ViewArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

function context(deps: CommandDeps, { body, respond }: ButtonArgs) {
  const channel = body.channel?.id;
  const user = body.user.id;
  return { actor: { user, channel }, reply: replier(deps.chat, respond, channel, user) };
}

/** "Edit people's sections": the form, filled with the sections as they stand. */
export function editPeopleButton(deps: CommandDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const { actor, reply } = context(deps, args);
    await answering(reply, async () => {
      const ref = Number((args.action.value ?? '').split(':')[0]);
      const current = await peopleForEdit(postmortems(deps).drafts, actor, ref);
      await deps.chat.openModal(
        args.body.trigger_id,
        renderPeopleModal(current.incident, current.version, current.people),
      );
    });
  };
}

/** Approve on a customer draft: recorded as sent, by whom and when. */
export function approveCustomerButton(deps: CommandDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const { actor, reply } = context(deps, args);
    await answering(reply, async () => {
      const m = await approveCustomerMessage(
        postmortems(deps).customer,
        actor,
        Number(args.action.value),
      );
      await reply({
        text: `:white_check_mark: Recorded as sent to ${m.tenant} (${incidentRef(m.incident)}).`,
      });
    });
  };
}

/** Edit on a customer draft: the form with its text. */
export function editCustomerButton(deps: CommandDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const { actor, reply } = context(deps, args);
    await answering(reply, async () => {
      const m = await customerMessageForEdit(
        postmortems(deps).customer,
        actor,
        Number(args.action.value),
      );
      await deps.chat.openModal(args.body.trigger_id, renderCustomerEditModal(m));
    });
  };
}

function value(args: ViewArgs, block: string): string {
  return (args.view.state.values[block]?.text?.value ?? '').trim();
}

async function outcome(
  deps: CommandDeps,
  user: string,
  work: () => Promise<string>,
): Promise<void> {
  let text: string;
  try {
    text = await work();
  } catch (err) {
    if (!(err instanceof DomainError)) {
      await deps.chat
        .postEphemeral({ channel: user, user, text: UNAVAILABLE })
        .catch(() => undefined);
      throw err;
    }
    text = `:no_entry_sign: ${err.message}`;
  }
  await deps.chat.postEphemeral({ channel: user, user, text });
}

/** The people's sections form submitted: a new version with them (refused over a newer edit). */
export function peopleSubmission(deps: CommandDeps) {
  return async (args: ViewArgs): Promise<void> => {
    await args.ack();
    const meta = JSON.parse(args.view.private_metadata || '{}') as {
      incident?: number;
      version?: number;
    };
    const people: PeopleSections = {};
    for (const s of PEOPLE_SECTIONS) people[s.key] = value(args, s.key);
    const user = args.body.user.id;
    await outcome(deps, user, async () => {
      const draft = await editPeople(
        postmortems(deps).drafts,
        { user },
        {
          ref: Number(meta.incident),
          baseVersion: Number(meta.version ?? 0),
          people,
        },
      );
      return `:memo: Saved as v${draft.version} of the ${incidentRef(draft.incident.number)} post-mortem.`;
    });
  };
}

/** The customer draft form submitted: its text replaced, still waiting for approval. */
export function customerEditSubmission(deps: CommandDeps) {
  return async (args: ViewArgs): Promise<void> => {
    const text = value(args, 'text');
    if (!text) {
      await args.ack({ response_action: 'errors', errors: { text: 'Write the message first.' } });
      return;
    }
    await args.ack();
    const user = args.body.user.id;
    await outcome(deps, user, async () => {
      const m = await editCustomerMessage(
        postmortems(deps).customer,
        { user },
        Number(args.view.private_metadata),
        text,
      );
      return `:pencil: The ${m.tenant} draft is updated; it still needs approval.`;
    });
  };
}
