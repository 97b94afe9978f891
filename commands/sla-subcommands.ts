import type { Actor } from '../src/app/incident-deps';
import { slaFor, type SlaDeps } from '../src/app/sla-deps';
import { markSecurityIncident, recordNotified } from '../src/app/sla-security';
import { incidentSlaStatus } from '../src/app/sla-status';
import { DomainError } from '../src/domain/errors';
import { incidentRef, type Incident } from '../src/domain/incidents/incident';
import type { Reply } from '../src/ports/chat';
import { renderSlaStatus } from '../templates/sla-status';
import type { CommandDeps } from './command-support';

function sla(deps: CommandDeps): SlaDeps {
  const found = slaFor(deps.incidents);
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
  await reply({
    text: `Security notification recorded for ${r.tenants.join(', ')} on ${incidentRef(r.incident.number)}.`,
  });
}

/** The SLA section of `/incident status` (none when the SLA module doesn't run here). */
export async function slaStatusLines(
  deps: CommandDeps,
  actor: Actor,
  incident: Incident,
): Promise<string[]> {
  const found = slaFor(deps.incidents);
  return found ? renderSlaStatus(await incidentSlaStatus(found, actor, incident)) : [];
}
