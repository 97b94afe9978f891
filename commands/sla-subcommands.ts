import type { Actor } from '../src/app/incident-deps';
import type { SlaDeps } from '../src/app/sla-deps';
import { markSecurityIncident, recordNotified } from '../src/app/sla-security';
import { incidentSlaStatus } from '../src/app/sla-status';
import { DomainError } from '../src/domain/errors';
import { incidentRef } from '../src/domain/incidents/incident';
import type { Reply } from '../src/ports/chat';
import { renderSlaStatus } from '../templates/sla-status';
import type { CommandDeps, StatusSection } from './command-support';

function sla(deps: CommandDeps): SlaDeps {
  const found = deps.sla;
  if (!found)
    throw new DomainError('sla_unavailable', 'SLA clocks are not enabled in this tenantops.');
  return found;
}

/** `/incident security [INC-n] [aware=<ISO time>]` */
export async function securitySubcommand(
  deps: CommandDeps,
  actor: Actor,
  cmd: { ref?: number; aware?: Date },
  reply: Reply,
): Promise<void> {
  const r = await markSecurityIncident(sla(deps), actor, cmd);
  const where = r.movedTo ? ` Work continues in the private channel <#${r.movedTo}>.` : '';
  await reply({
    text: `:lock: ${incidentRef(r.incident.number)} is a security incident: notify ${r.incident.tenants.join(', ')} by ${r.dueAt.toISOString()}.${where}`,
  });
}

/** `/incident notified [INC-n] <tenant|all>` */
export async function notifiedSubcommand(
  deps: CommandDeps,
  actor: Actor,
  cmd: { ref?: number; tenant: string },
  reply: Reply,
): Promise<void> {
  const r = await recordNotified(sla(deps), actor, cmd);
  const skipped = r.skipped.length
    ? ` Skipped ${r.skipped.join(', ')}: you have no commander or comms role there, so their notification clocks still run.`
    : '';
  await reply({
    text: `Security notification recorded for ${r.tenants.join(', ')} on ${incidentRef(r.incident.number)}.${skipped}`,
  });
}

/** The SLA section of `/incident status`. */
export function slaStatusSection(sla: SlaDeps): StatusSection {
  return async (actor, incident) => renderSlaStatus(await incidentSlaStatus(sla, actor, incident));
}
