import { DomainError } from '../domain/errors';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import { maskPersonalData } from '../domain/masking';
import { summarizeFacts } from '../domain/postmortems/facts-summary';
import { parsePeopleSections, type PeopleSections } from '../domain/postmortems/people';
import { Scope } from '../domain/tenants/scope';
import { covers, saveDraft, tenantDraft } from './postmortem-drafts';
import type { PostmortemDeps } from './postmortem-deps';

/** An HTTP API reader: one of `apiTokens` (tenant `*` sees every incident). */
export interface ApiReader {
  id: string;
  tenant: string;
}

function scopeOfReader(reader: ApiReader): Scope {
  return reader.tenant === '*'
    ? Scope.platform(`API token ${reader.id} for every tenant`)
    : Scope.of([reader.tenant]);
}

async function visible(deps: PostmortemDeps, scope: Scope, number: number): Promise<Incident> {
  const incident = await deps.incidents.store.inScope(scope, (tx) => tx.findIncident(number));
  // Another tenant's incident and no incident look the same: nothing is disclosed.
  if (!incident)
    throw new DomainError('incident_not_found', `${incidentRef(number)} was not found.`);
  return incident;
}

/**
 * `GET /incidents/INC-n/postmortem.md`: the latest stored version for a reader who sees every
 * tenant of the incident (made and stored now if there is none yet); a tenant's version for a
 * tenant token on a multi-tenant incident.
 */
export async function draftForReader(
  deps: PostmortemDeps,
  reader: ApiReader,
  number: number,
): Promise<string> {
  const scope = scopeOfReader(reader);
  const incident = await visible(deps, scope, number);
  if (!covers(scope, incident)) return (await tenantDraft(deps, scope, incident)).markdown;
  const latest = await deps.store.inScope(scope, (tx) => tx.latest(number));
  if (latest) return latest.markdown;
  return (await saveDraft(deps, scope, incident, { by: `api:${reader.id}`, source: 'generated' }))
    .markdown;
}

/** Markers of the draft an upload must keep: which incident and version it was based on. */
const DRAFT_MARKER = /<!--\s*tenantops:postmortem\s+(INC-\d+)\s+v(\d+)\s*-->/;

/**
 * `POST /incidents/INC-n/postmortem.md`: a person's edit of the draft, kept as a new version.
 * Its people's sections (between their markers) become the current ones, so regenerating keeps
 * them. Refused, with nothing stored: an upload for another incident, one with no people's
 * section, one based on a version older than the sections' last edit (it would overwrite it).
 */
export async function uploadDraft(
  deps: PostmortemDeps,
  reader: ApiReader,
  number: number,
  text: string,
): Promise<{ version: number }> {
  const scope = scopeOfReader(reader);
  const incident = await visible(deps, scope, number);
  if (!covers(scope, incident))
    throw new DomainError(
      'forbidden',
      `This token sees only ${reader.tenant}; ${incidentRef(number)} affects other tenants too, so its draft can't be replaced with it.`,
    );
  const ref = incidentRef(number);
  const marker = DRAFT_MARKER.exec(text);
  if (!marker?.[1] || !marker[2])
    throw new DomainError(
      'invalid_draft',
      `Not a tenantops draft: its first line must stay <!-- tenantops:postmortem ${ref} v<n> -->.`,
    );
  if (marker[1].toUpperCase() !== ref)
    throw new DomainError('invalid_draft', `This is the draft of ${marker[1]}, not of ${ref}.`);
  const found = parsePeopleSections(text);
  if (Object.keys(found).length === 0)
    throw new DomainError(
      'invalid_draft',
      "No people's section found: keep the <!-- people:… --> and <!-- /people:… --> markers around what you write.",
    );
  const people: PeopleSections = {};
  for (const [k, v] of Object.entries(found))
    people[k as keyof PeopleSections] = maskPersonalData(v ?? '');
  return storeUpload(
    deps,
    scope,
    incident,
    reader,
    Number(marker[2]),
    people,
    maskPersonalData(text),
  );
}

async function storeUpload(
  deps: PostmortemDeps,
  scope: Scope,
  incident: Incident,
  reader: ApiReader,
  base: number,
  people: PeopleSections,
  markdown: string,
): Promise<{ version: number }> {
  const now = deps.clock.now();
  return deps.store.inScope(scope, async (tx) => {
    const state = await tx.lock(incident.number, incident.tenants);
    if (base > state.latestVersion)
      throw new DomainError(
        'invalid_draft',
        `This draft says it is v${base}, but ${incidentRef(incident.number)} has ${state.latestVersion} version(s).`,
      );
    const changed = Object.entries(people).some(
      ([k, v]) => (state.people[k as keyof PeopleSections] ?? '').trim() !== (v ?? '').trim(),
    );
    if (state.peopleVersion > base && changed)
      throw new DomainError(
        'edit_conflict',
        `The people's sections were edited in v${state.peopleVersion}, after v${base} that this file is based on: download the latest draft and edit that.`,
      );
    const latest = await tx.latest(incident.number);
    const version = await tx.addVersion(
      incident.number,
      incident.tenants,
      {
        source: 'uploaded',
        interim: incident.state !== 'resolved',
        createdAt: now,
        createdBy: `api:${reader.id}`,
        factsDigest: latest?.factsDigest ?? '',
        factsSummary: latest?.factsSummary ?? emptySummary(incident),
        templateDigest: latest?.templateDigest ?? '',
        people: { ...state.people, ...people },
        markdown,
      },
      true,
    );
    return { version };
  });
}

function emptySummary(incident: Incident) {
  return {
    ...summarizeFactsShape(),
    state: incident.state,
    severity: incident.severity,
    tenants: incident.tenants,
  };
}

function summarizeFactsShape(): ReturnType<typeof summarizeFacts> {
  return {
    state: '',
    severity: '',
    tenants: [],
    timeline: 0,
    alerts: [],
    breaches: 0,
    sent: 0,
    runbookRuns: [],
  };
}
