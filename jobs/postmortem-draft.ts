import { UnrecoverableError, type Job } from 'bullmq';
import { draftAtResolve } from '../src/app/postmortem-drafts';
import type { PostmortemDeps } from '../src/app/postmortem-deps';
import { DomainError } from '../src/domain/errors';
import { DRAFT_AT_RESOLVE, type DraftJobData } from '../src/ports/draft-announcer';

/** `postmortem-drafts` processor: the draft of a resolved incident, stored and announced. */
export function postmortemDraftProcessor(deps: PostmortemDeps) {
  return async (job: Job<DraftJobData>): Promise<unknown> => {
    const incident = (job.data as Partial<DraftJobData>).incident;
    if (job.name !== DRAFT_AT_RESOLVE || !Number.isSafeInteger(incident))
      throw new UnrecoverableError(`malformed post-mortem job ${job.name} ${job.id ?? ''}`);
    try {
      const draft = await draftAtResolve(deps, incident as number);
      return { version: draft.version, created: draft.created };
    } catch (err) {
      if (err instanceof DomainError) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
}
