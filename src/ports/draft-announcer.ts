import type { Incident } from '../domain/incidents/incident';

/** A new draft version, as the incident's channel hears of it. */
export interface DraftAnnouncement {
  version: number;
  markdown: string;
  interim: boolean;
  dueAt: Date | null;
  whatsNew: string[];
  /** Who made it (null: generated at resolve). */
  by: string | null;
}

/** Where new draft versions go: the incident's channel (or thread), as a file. */
export interface DraftAnnouncer {
  announce(incident: Incident, draft: DraftAnnouncement): Promise<void>;
}

/** The draft job queued at resolve (a BullMQ job: platform work with no actor). */
export interface DraftJobs {
  draftAtResolve(incident: number): Promise<void>;
}

export const POSTMORTEM_QUEUE = 'postmortem-drafts';
export const DRAFT_AT_RESOLVE = 'draft-at-resolve';

export interface DraftJobData {
  incident: number;
}
