import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import {
  confirmChecklistItem,
  runChecklist,
  type ChecklistDeps,
} from '../src/app/checklists/run-checklist';
import type { Actor } from '../src/app/incident-deps';
import { CHECKLIST_TITLES, isItemId, type ChecklistKind } from '../src/domain/checklists/checklist';
import { DomainError } from '../src/domain/errors';
import type { Reply } from '../src/ports/chat';
import { countsText, STATE_TEXT } from '../templates/checklist-message';
import { answering, replier, type CommandDeps } from './command-support';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** The checklist deps with the runbooks' target joined in (the RLS audit runs on it). */
function checklists(deps: CommandDeps): ChecklistDeps {
  if (!deps.checklists)
    throw new DomainError(
      'checklists_unavailable',
      'Checklists are not enabled in this tenantops.',
    );
  const target = deps.runbooks?.target;
  return {
    ...deps.checklists,
    sources: {
      ...deps.checklists.sources,
      ...(target ? { target } : {}),
      ...(deps.runbooks ? { noTarget: deps.runbooks.noTarget } : {}),
    },
  };
}

/** `/tenant preflight|golive <tenant>`: runs the checklist, posts it, tells the person where. */
export async function checklistSubcommand(
  deps: CommandDeps,
  actor: Actor,
  kind: ChecklistKind,
  tenant: string,
  reply: Reply,
): Promise<void> {
  const c = await runChecklist(checklists(deps), actor, kind, tenant);
  await reply({
    text: `${CHECKLIST_TITLES[kind]} #${c.id} for *${c.tenant}*: *${STATE_TEXT[c.verdict]}* (${countsText(c)}).${c.place.channel ? ' The checklist is posted in this channel; approvers confirm the items that need a person with its buttons.' : ''}`,
  });
}

/** A checklist item's Confirm button (value `<checklist id>:<item>`). */
export function checklistConfirmButton(deps: CommandDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const actor: Actor = { user: body.user.id, channel: body.channel?.id };
    const reply = replier(deps.chat, respond, body.channel?.id, body.user.id);
    await answering(reply, async () => {
      const [idText = '', item = ''] = action.value?.split(':') ?? [];
      const id = Number(idText);
      if (!Number.isSafeInteger(id) || id < 1 || !isItemId(item))
        throw new DomainError('bad_checklist', 'That button names no checklist item.');
      const c = await confirmChecklistItem(checklists(deps), actor, id, item);
      await reply({
        text: `Confirmed. ${CHECKLIST_TITLES[c.kind]} #${c.id} for *${c.tenant}* is now *${STATE_TEXT[c.verdict]}* (${countsText(c)}).`,
      });
    });
  };
}
