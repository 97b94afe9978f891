import { declareIncident } from '../src/app/declare-incident';
import {
  acknowledgeIncident,
  addAffectedTenant,
  assignRole,
  changeSeverity,
  mitigateIncident,
  postIncidentUpdate,
  resolveIncident,
  type UpdateResult,
} from '../src/app/incident-actions';
import { incidentStatus, listIncidents, listTenants } from '../src/app/incident-queries';
import {
  parseIncidentCommand,
  type IncidentCommand,
} from '../src/domain/incidents/incident-command';
import { incidentRef } from '../src/domain/incidents/incident';
import type { Actor } from '../src/app/incident-deps';
import type { Reply } from '../src/ports/chat';
import { renderDeclareModal } from '../templates/declare-modal';
import { renderIncidentHelp } from '../templates/incident-help';
import { slackTextToPlain } from '../templates/mrkdwn';
import { renderIncidentList, renderIncidentStatus } from '../templates/incident-status';
import { answering, replier, type CommandDeps } from './command-support';
import { notifiedSubcommand, securitySubcommand } from './sla-subcommands';
import { overdueListing, postmortemSubcommand } from './postmortem-subcommands';
import type { CommandArgs } from './slash-queue';

type Args = CommandArgs;

/** `/incident …`: ack at once, parse, run one use case, reply with one template. */
export function incidentCommand(deps: CommandDeps) {
  return async ({ command, ack, respond }: Args): Promise<void> => {
    // Slack retries after 3 s, so ack before any I/O.
    await ack();
    const actor: Actor = {
      user: command.user_id,
      channel: command.channel_id,
      threadTs: threadOf(command),
    };
    const reply = replier(deps.chat, respond, command.channel_id, command.user_id);
    await answering(reply, async () => {
      // Slack sends `&`, `<`, `>` as entities and mentions as `<@U|name>`: the core reads plain text.
      const parsed = parseIncidentCommand(slackTextToPlain(command.text));
      if (parsed.kind === 'declare_modal') {
        const tenants = await listTenants(deps.incidents, actor);
        await deps.chat.openModal(
          command.trigger_id,
          renderDeclareModal(command.channel_id, tenants),
        );
        return;
      }
      await run(deps, actor, parsed, reply);
    });
  };
}

function threadOf(command: Args['command']): string | undefined {
  const ts = (command as unknown as { thread_ts?: string }).thread_ts;
  return typeof ts === 'string' ? ts : undefined;
}

async function run(
  deps: CommandDeps,
  actor: Actor,
  cmd: Exclude<IncidentCommand, { kind: 'declare_modal' }>,
  reply: Reply,
): Promise<void> {
  const d = deps.incidents;
  switch (cmd.kind) {
    case 'declare': {
      const inc = await declareIncident(d, actor, cmd);
      const where = inc.threadTs ? 'its thread' : `<#${inc.channelId}>`;
      return reply({
        text: `:rotating_light: Declared *${incidentRef(inc.number)}* (${inc.severity}, ${inc.tenants.join(', ')}) → ${where}`,
      });
    }
    case 'ack': {
      const inc = await acknowledgeIncident(d, actor, cmd.ref);
      return reply({ text: `Acknowledged ${incidentRef(inc.number)}.` });
    }
    case 'update': {
      return reply({ text: updateReply(await postIncidentUpdate(d, actor, cmd)) });
    }
    case 'status': {
      const s = await incidentStatus(d, actor, cmd.ref);
      const sections = await Promise.all(deps.statusSections.map((f) => f(actor, s.incident)));
      return reply(renderIncidentStatus(s.incident, s.timeline, sections.flat()));
    }
    case 'sev': {
      const inc = await changeSeverity(d, actor, cmd.ref, cmd.severity);
      return reply({ text: `${incidentRef(inc.number)} is now ${inc.severity}.` });
    }
    case 'role': {
      const inc = await assignRole(d, actor, cmd);
      return reply({ text: `<@${cmd.user}> is ${cmd.role} of ${incidentRef(inc.number)}.` });
    }
    case 'tenant_add': {
      const inc = await addAffectedTenant(d, actor, cmd.ref, cmd.tenant);
      return reply({ text: `${incidentRef(inc.number)} now affects ${inc.tenants.join(', ')}.` });
    }
    case 'mitigate': {
      const inc = await mitigateIncident(d, actor, cmd.ref, cmd.text);
      return reply({ text: `${incidentRef(inc.number)} marked mitigated.` });
    }
    case 'resolve': {
      const inc = await resolveIncident(d, actor, cmd.ref, cmd.summary);
      return reply({ text: `${incidentRef(inc.number)} resolved.` });
    }
    case 'security':
      return securitySubcommand(deps, actor, cmd, reply);
    case 'notified':
      return notifiedSubcommand(deps, actor, cmd, reply);
    case 'list': {
      const list = renderIncidentList(await listIncidents(d, actor, cmd.tenant), cmd.tenant);
      const overdue = await overdueListing(deps, actor);
      return reply(overdue ? { text: `${list.text}\n${overdue}` } : list);
    }
    case 'postmortem':
      return postmortemSubcommand(deps, actor, cmd, reply);
    case 'help':
      return reply(renderIncidentHelp());
  }
}

/** "Update posted to INC-4 for globex. Skipped acme: …" */
export function updateReply(r: UpdateResult): string {
  const whole = r.skipped.length === 0 && r.tenants.length === r.incident.tenants.length;
  const skipped = r.skipped.length
    ? ` Skipped ${r.skipped.join(', ')}: you have no commander, comms or responder role there, so their customer-update clocks did not move.`
    : '';
  return `Update posted to ${incidentRef(r.incident.number)}${whole ? '' : ` for ${r.tenants.join(', ')}`}.${skipped}`;
}
