import type { DraftJobs } from '../ports/draft-announcer';
import type { IncidentListener } from './incident-deps';
import type { SlaLog } from './sla-deps';

/** At resolve, the draft job is queued; a queue failure is logged (`/incident postmortem` still works). */
export function postmortemListener(jobs: DraftJobs, log: SlaLog): IncidentListener {
  return {
    resolved: async (incident) => {
      try {
        await jobs.draftAtResolve(incident.number);
      } catch (err) {
        log.error({ err, incident: incident.number }, 'post-mortem draft job not queued');
      }
    },
  };
}
