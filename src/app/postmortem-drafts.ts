import { createHash } from 'node:crypto';
import type { Action } from '../domain/access/access';
import { DomainError } from '../domain/errors';
import { incidentRef, type Incident } from '../domain/incidents/incident';
import { summarizeFacts, whatsNew } from '../domain/postmortems/facts-summary';
import { samePeople, type PeopleSections } from '../domain/postmortems/people';
import type { PostmortemRecord } from '../domain/postmortems/postmortem-record';
import { buildPostmortemFacts, type DraftAudience } from '../domain/postmortems/postmortem-view';
import { tenantRedactor } from '../domain/postmortems/tenant-redaction';
import { addBusinessDaysInZone } from '../domain/sla/business-days';
import { Scope } from '../domain/tenants/scope';
import type { Actor } from './incident-deps';
import {
  authorize,
  findTarget,
  recordDenials,
  scopeOf,
  targetRef,
  type Guarded,
} from './incident-guard';
import type { PostmortemDeps } from './postmortem-deps';

/** A draft as one reader gets it. */
export interface Draft {
  incident: Incident;
  markdown: string;
  /** The stored version it is (or, for a tenant's version, the version it is made beside). */
  version: number;
  /** A new version was stored just now. */
  created: boolean;
  /** A tenant's version: only the reader's tenants, never stored. */
  partial: boolean;
  interim: boolean;
  dueAt: Date | null;
  whatsNew: string[];
  done: { at: Date; by: string | null } | null;
  /** The configured template's problem (its line), when the last good one was used instead. */
  problem?: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

/** True when `scope` sees every tenant of the incident (so it may read and write full drafts). */
export function covers(scope: Scope, incident: Pick<Incident, 'tenants'>): boolean {
  return incident.tenants.every((t) => scope.includes(t));
}

/** The action's role on every tenant of the incident (or platform-wide), else AccessDenied. */
export function authorizeEvery(guarded: Guarded, action: Action, incident: Incident): void {
  for (const tenant of incident.tenants) authorize(guarded, action, [tenant], incident.number);
}

/** Finds the incident in the actor's scope and checks `view` there. */
export async function viewableIncident(
  deps: PostmortemDeps,
  actor: Actor,
  ref: number | undefined,
): Promise<{ guarded: Guarded; incident: Incident }> {
  const number = await targetRef(deps.incidents, actor, ref);
  const guarded = await scopeOf(deps.incidents, actor.user);
  const incident = await recordDenials(deps.incidents, actor, () =>
    deps.incidents.store.inScope(guarded.scope, async (tx) => {
      const found = await findTarget(tx, number);
      authorize(guarded, 'view', found.tenants, found.number);
      return found;
    }),
  );
  return { guarded, incident };
}

/** The record as `scope` sees it, with the contributors' parts, and the due date. */
async function collect(
  deps: PostmortemDeps,
  scope: Scope,
  incident: Incident,
): Promise<{ record: PostmortemRecord; dueAt: Date | null }> {
  const read = await deps.store.inScope(scope, async (tx) => ({
    record: await tx.record(incident.number),
    due: await tx.dueAt(incident.number),
  }));
  if (!read.record)
    throw new DomainError('incident_not_found', `${incidentRef(incident.number)} doesn't exist.`);
  for (const c of deps.contributors) {
    try {
      const part = await c.contribute(scope, incident.number);
      read.record.runbookRuns.push(...(part.runbookRuns ?? []));
    } catch (err) {
      deps.log.warn({ err, incident: incident.number, contributor: c.name }, 'draft part missing');
    }
  }
  const resolvedAt = read.record.incident.resolvedAt;
  const { dueBusinessDays, holidays, timezone } = deps.settings;
  const dueAt =
    read.due ??
    (resolvedAt
      ? addBusinessDaysInZone(resolvedAt, dueBusinessDays, { holidays, timezone })
      : null);
  return { record: read.record, dueAt };
}

export interface SaveOptions {
  by: string | null;
  source: 'generated' | 'edited';
  /** People's sections to store (an edit); absent keeps the current ones. */
  people?: PeopleSections;
  /** The version the edit was based on: refused if the people's sections changed since. */
  baseVersion?: number;
}

/**
 * Makes the full draft from the record and stores it as a new version, unless nothing changed
 * (same facts, same template, no edit): then the latest version stands. People's sections are
 * always carried over; an edit based on an older version than the sections' last edit is refused.
 */
export async function saveDraft(
  deps: PostmortemDeps,
  scope: Scope,
  incident: Incident,
  opts: SaveOptions,
): Promise<Draft> {
  const { record, dueAt } = await collect(deps, scope, incident);
  const facts = buildPostmortemFacts(record, { audience: '*', dueAt });
  const factsDigest = digest(JSON.stringify(facts));
  const summary = summarizeFacts(facts);
  const now = deps.clock.now();
  return deps.store.inScope(scope, async (tx) => {
    const state = await tx.lock(incident.number, record.incident.tenants);
    if (opts.people && opts.baseVersion !== undefined) assertNoConflict(state, opts);
    const latest = await tx.latest(incident.number);
    const people = opts.people ? { ...state.people, ...opts.people } : state.people;
    const done = state.doneAt ? { at: state.doneAt, by: state.doneBy } : null;
    const news = whatsNew(latest?.factsSummary, summary);
    const doc = {
      ...facts,
      version: state.latestVersion + 1,
      generatedAt: now,
      people,
      whatsNew: news,
      done,
    };
    const rendered = deps.renderer.render(doc);
    const result = {
      incident: record.incident,
      partial: false,
      interim: facts.interim,
      dueAt,
      done,
    };
    const same =
      latest &&
      !opts.people &&
      latest.factsDigest === factsDigest &&
      latest.templateDigest === rendered.templateDigest;
    if (same) {
      const kept = {
        ...result,
        markdown: latest.markdown,
        version: latest.version,
        created: false,
      };
      return { ...kept, whatsNew: [], ...(rendered.problem ? { problem: rendered.problem } : {}) };
    }
    const version = await tx.addVersion(
      incident.number,
      record.incident.tenants,
      {
        source: opts.source,
        interim: facts.interim,
        createdAt: now,
        createdBy: opts.by,
        factsDigest,
        factsSummary: summary,
        templateDigest: rendered.templateDigest,
        people,
        markdown: rendered.markdown,
      },
      Boolean(opts.people),
    );
    const made = { ...result, markdown: rendered.markdown, version, created: true, whatsNew: news };
    return rendered.problem ? { ...made, problem: rendered.problem } : made;
  });
}

function assertNoConflict(
  state: { peopleVersion: number; people: PeopleSections; peopleBy: string | null },
  opts: SaveOptions,
): void {
  const base = opts.baseVersion ?? 0;
  const touched = Object.keys(opts.people ?? {}) as (keyof PeopleSections)[];
  const current: PeopleSections = {};
  for (const k of touched) current[k] = state.people[k];
  if (state.peopleVersion > base && !samePeopleOn(touched, current, opts.people ?? {})) {
    throw new DomainError(
      'edit_conflict',
      `The people's sections were edited in v${state.peopleVersion}${state.peopleBy ? ` by @${state.peopleBy}` : ''}, after v${base} that this edit is based on: start again from the latest draft so their edit isn't lost.`,
    );
  }
}

function samePeopleOn(keys: readonly string[], a: PeopleSections, b: PeopleSections): boolean {
  return keys.length === 0 || samePeople(a, b);
}

/**
 * A tenant's version of a multi-tenant incident: made in the reader's scope (row-level security
 * leaves the other tenants' rows out), other tenants' names removed, never stored.
 */
export async function tenantDraft(
  deps: PostmortemDeps,
  scope: Scope,
  incident: Incident,
): Promise<Draft> {
  const audience: DraftAudience = incident.tenants.filter((t) => scope.includes(t));
  const { record, dueAt } = await collect(deps, scope, incident);
  const facts = buildPostmortemFacts(record, {
    audience,
    dueAt,
    tenantNames: deps.settings.tenantNames,
  });
  const state = await deps.store.inScope(scope, (tx) => tx.state(incident.number));
  const hidden = incident.tenants
    .filter((t) => !audience.includes(t))
    .map((id) => ({ id, name: deps.settings.tenantNames.get(id) }));
  const redact = tenantRedactor(hidden);
  const people: PeopleSections = {};
  for (const [k, v] of Object.entries(state?.people ?? {}))
    people[k as keyof PeopleSections] = redact(v ?? '');
  const done = state?.doneAt ? { at: state.doneAt, by: state.doneBy } : null;
  const version = state?.latestVersion ?? 0;
  const now = deps.clock.now();
  const rendered = deps.renderer.render({
    ...facts,
    version,
    generatedAt: now,
    people,
    whatsNew: [],
    done,
  });
  return {
    incident: record.incident,
    markdown: rendered.markdown,
    version,
    created: false,
    partial: true,
    interim: facts.interim,
    dueAt,
    whatsNew: [],
    done,
    ...(rendered.problem ? { problem: rendered.problem } : {}),
  };
}

/**
 * `/incident postmortem [INC-n]`: regenerates and stores the draft when the actor sees every
 * tenant of the incident (announcing a new version in its channel), else their tenants' version.
 * An unresolved incident gets an interim draft, labelled so.
 */
export async function draftForActor(
  deps: PostmortemDeps,
  actor: Actor,
  ref: number | undefined,
): Promise<Draft> {
  const { guarded, incident } = await viewableIncident(deps, actor, ref);
  if (!covers(guarded.scope, incident)) return tenantDraft(deps, guarded.scope, incident);
  const draft = await saveDraft(deps, guarded.scope, incident, {
    by: actor.user,
    source: 'generated',
  });
  if (draft.created) await announce(deps, draft, actor.user);
  return draft;
}

/** Posts a new version to the incident's channel; a Slack failure never loses the stored version. */
export async function announce(
  deps: PostmortemDeps,
  draft: Draft,
  by: string | null,
): Promise<void> {
  try {
    await deps.announcer.announce(draft.incident, {
      version: draft.version,
      markdown: draft.markdown,
      interim: draft.interim,
      dueAt: draft.dueAt,
      whatsNew: draft.whatsNew,
      by,
    });
  } catch (err) {
    deps.log.error({ err, incident: draft.incident.number }, 'post-mortem draft not announced');
  }
}

/**
 * The draft made when the incident is resolved: platform-wide work (a BullMQ job acting for no
 * one, so it reads the whole record in scope '*'), stored as a version and announced once.
 */
// A BullMQ job acting for no one reads the whole record.
const AT_RESOLVE = Scope.platform('post-mortem draft at resolve');

export async function draftAtResolve(deps: PostmortemDeps, number: number): Promise<Draft> {
  const incident = await deps.incidents.store.inScope(AT_RESOLVE, (tx) => tx.findIncident(number));
  if (!incident)
    throw new DomainError('incident_not_found', `${incidentRef(number)} doesn't exist.`);
  const draft = await saveDraft(deps, AT_RESOLVE, incident, { by: null, source: 'generated' });
  if (draft.created) await announce(deps, draft, null);
  return draft;
}
