import { INCIDENT_USAGE } from '../src/domain/incidents/incident-command';
import { plainToMrkdwn } from './mrkdwn';

/** `/incident help`: the usage, escaped so `<P1|P2|P3|P4>` reads literally instead of as a link. */
export function renderIncidentHelp(): { text: string } {
  return { text: `*tenantops incident commands*\n${plainToMrkdwn(INCIDENT_USAGE)}` };
}
