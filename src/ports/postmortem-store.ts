import type { PeopleSections } from '../domain/postmortems/people';
import type { FactsSummary } from '../domain/postmortems/facts-summary';
import type {
  PostmortemContribution,
  PostmortemRecord,
} from '../domain/postmortems/postmortem-record';
import type { NewTimelineEntry, Scope } from './incident-store';

/** A stored draft version (readable only by a scope that covers every tenant of the incident). */
export interface DraftVersion {
  version: number;
  source: 'generated' | 'uploaded' | 'edited';
  interim: boolean;
  createdAt: Date;
  createdBy: string | null;
  factsDigest: string;
  factsSummary: FactsSummary;
  templateDigest: string;
  people: PeopleSections;
  markdown: string;
}

export type NewDraftVersion = Omit<DraftVersion, 'version'>;

/** An incident's post-mortem as it stands (readable with a role on any of its tenants). */
export interface PostmortemState {
  incident: number;
  latestVersion: number;
  people: PeopleSections;
  /** The version whose edit last set the people's sections (0: nobody wrote any yet). */
  peopleVersion: number;
  peopleBy: string | null;
  updatedAt: Date;
  doneAt: Date | null;
  doneBy: string | null;
}

export interface OverduePostmortem {
  incident: number;
  title: string;
  tenants: string[];
  dueAt: Date;
}

/** One transaction over post-mortem data, filtered by row-level security to its scope. */
export interface PostmortemTx {
  /** The incident's record as this scope sees it; undefined if the incident isn't visible. */
  record(incident: number): Promise<PostmortemRecord | undefined>;
  /** When the post-mortem clock says it is due (undefined before resolve or without SLA clocks). */
  dueAt(incident: number): Promise<Date | undefined>;
  state(incident: number): Promise<PostmortemState | undefined>;
  /** Takes the incident's post-mortem row lock (creating the row), for a new version or completion. */
  lock(incident: number, tenants: readonly string[]): Promise<PostmortemState>;
  latest(incident: number): Promise<DraftVersion | undefined>;
  version(incident: number, version: number): Promise<DraftVersion | undefined>;
  /** Appends version `latestVersion + 1`; `peopleChanged` also makes its sections the current ones. */
  addVersion(
    incident: number,
    tenants: readonly string[],
    draft: NewDraftVersion,
    peopleChanged: boolean,
  ): Promise<number>;
  markDone(incident: number, at: Date, by: string): Promise<void>;
  overdue(now: Date, limit: number): Promise<OverduePostmortem[]>;
  appendTimeline(incident: number, entry: NewTimelineEntry): Promise<void>;
}

/** Transactions over post-mortems. */
export interface PostmortemStore {
  inScope<T>(scope: Scope, fn: (tx: PostmortemTx) => Promise<T>): Promise<T>;
  /**
   * For reads only (a write fails): `fn`'s queries see only `scope`'s tenants, as in `inScope`,
   * but each is its own transaction, so two of them may see two instants. They may run
   * concurrently (`Promise.all`); issued together, they share one round trip.
   */
  readInScope<T>(scope: Scope, fn: (tx: PostmortemTx) => Promise<T>): Promise<T>;
}

/**
 * A capability's part of a draft (runbook runs, say): facts it reads in the reader's scope.
 * Modules pass theirs to the post-mortem module; the draft shows what they return.
 */
export interface PostmortemContributor {
  name: string;
  contribute(scope: Scope, incident: number): Promise<PostmortemContribution>;
}
