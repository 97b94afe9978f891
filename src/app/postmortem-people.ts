import { DomainError } from '../domain/errors';
import { maskPersonalData } from '../domain/masking';
import type { PeopleSections } from '../domain/postmortems/people';
import type { Actor } from './incident-deps';
import { recordDenials } from './incident-guard';
import {
  announce,
  authorizeEvery,
  saveDraft,
  viewableIncident,
  type Draft,
} from './postmortem-drafts';
import type { PostmortemDeps } from './postmortem-deps';

function checkRef(ref: number | undefined): void {
  if (ref !== undefined && (!Number.isSafeInteger(ref) || ref <= 0))
    throw new DomainError(
      'missing_incident',
      'That form or button names no incident of tenantops.',
    );
}

/** The people's sections as they stand, to fill the edit form; needs the right to edit them. */
export async function peopleForEdit(
  deps: PostmortemDeps,
  actor: Actor,
  ref: number | undefined,
): Promise<{ incident: number; version: number; people: PeopleSections }> {
  checkRef(ref);
  const { guarded, incident } = await viewableIncident(deps, actor, ref);
  await recordDenials(deps.incidents, actor, () =>
    Promise.resolve(authorizeEvery(guarded, 'edit_postmortem', incident)),
  );
  const state = await deps.store.inScope(guarded.scope, (tx) => tx.state(incident.number));
  return {
    incident: incident.number,
    version: state?.latestVersion ?? 0,
    people: state?.people ?? {},
  };
}

/**
 * The people's sections edited in Slack: a new version with them and the latest facts. Needs
 * commander or scribe on every tenant (or platform-wide); refused if someone else edited the
 * sections after `baseVersion`, so nobody's edit is overwritten.
 */
export async function editPeople(
  deps: PostmortemDeps,
  actor: Actor,
  input: { ref: number; baseVersion: number; people: PeopleSections },
): Promise<Draft> {
  checkRef(input.ref);
  const { guarded, incident } = await viewableIncident(deps, actor, input.ref);
  await recordDenials(deps.incidents, actor, () =>
    Promise.resolve(authorizeEvery(guarded, 'edit_postmortem', incident)),
  );
  const people: PeopleSections = {};
  for (const [k, v] of Object.entries(input.people))
    people[k as keyof PeopleSections] = maskPersonalData(v ?? '');
  const draft = await saveDraft(deps, guarded.scope, incident, {
    by: actor.user,
    source: 'edited',
    people,
    baseVersion: input.baseVersion,
  });
  await announce(deps, draft, actor.user);
  return draft;
}
