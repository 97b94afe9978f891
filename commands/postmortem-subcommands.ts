import type { Actor } from '../src/app/incident-deps';
import { draftForActor } from '../src/app/postmortem-drafts';
import type { PostmortemCapability } from '../src/app/postmortem-deps';
import {
  finishPostmortem,
  overduePostmortems,
  postmortemStatus,
} from '../src/app/postmortem-status';
import { postmortemDone } from '../src/app/sla-clocks';
import { DomainError } from '../src/domain/errors';
import { incidentRef } from '../src/domain/incidents/incident';
import type { Reply } from '../src/ports/chat';
import {
  renderDraftReply,
  renderOverdue,
  renderPostmortemStatus,
} from '../templates/postmortem-slack';
import type { CommandDeps, StatusSection } from './command-support';

export function postmortems(deps: CommandDeps): PostmortemCapability {
  const found = deps.postmortems;
  if (!found)
    throw new DomainError(
      'postmortem_unavailable',
      'Post-mortems are not enabled in this tenantops.',
    );
  return found;
}

/** `/incident postmortem [INC-n] [done]` */
export async function postmortemSubcommand(
  deps: CommandDeps,
  actor: Actor,
  cmd: { ref?: number; done: boolean },
  reply: Reply,
): Promise<void> {
  const pm = postmortems(deps);
  const zone = pm.drafts.settings.timezone;
  if (cmd.done) {
    const sla = deps.sla;
    const r = await finishPostmortem(
      pm.drafts,
      actor,
      cmd.ref,
      sla ? (n) => postmortemDone(sla, n) : undefined,
    );
    await reply({
      text: `:white_check_mark: Post-mortem of ${incidentRef(r.incident.number)} marked done; its reminders stop.`,
    });
    return;
  }
  const draft = await draftForActor(pm.drafts, actor, cmd.ref);
  const { head, body } = renderDraftReply(draft, zone);
  if (body) await reply({ text: body });
  await reply(head);
}

/** The post-mortem line of `/incident status`. */
export function postmortemStatusSection(pm: PostmortemCapability): StatusSection {
  return async (actor, incident) =>
    renderPostmortemStatus(
      await postmortemStatus(pm.drafts, actor, incident),
      pm.drafts.settings.timezone,
    );
}

/** Overdue post-mortems for `/incident list` (empty when the module is off). */
export async function overdueListing(deps: CommandDeps, actor: Actor): Promise<string> {
  const pm = deps.postmortems;
  if (!pm) return '';
  return renderOverdue(await overduePostmortems(pm.drafts, actor), pm.drafts.settings.timezone);
}
