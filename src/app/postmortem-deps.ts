import type { Clock } from '../ports/clock';
import type { DraftAnnouncer } from '../ports/draft-announcer';
import type { DraftRenderer } from '../ports/draft-renderer';
import type { PostmortemContributor, PostmortemStore } from '../ports/postmortem-store';
import type { CustomerDeps } from './customer-updates';
import type { IncidentDeps } from './incident-deps';
import type { SlaLog } from './sla-deps';

/** The config drafts follow (PRODUCT.md §4 `postmortem`), plus the tenants' names for redaction. */
export interface PostmortemSettings {
  timezone: string;
  dueBusinessDays: number;
  holidays: string[];
  /** Every configured tenant's name: a tenant's version removes the others' names too. */
  tenantNames: ReadonlyMap<string, string>;
}

/** What the post-mortem use cases need. */
export interface PostmortemDeps {
  incidents: IncidentDeps;
  store: PostmortemStore;
  renderer: DraftRenderer;
  /** Other capabilities' parts of the draft (runbook runs). */
  contributors: readonly PostmortemContributor[];
  announcer: DraftAnnouncer;
  clock: Clock;
  settings: PostmortemSettings;
  log: SlaLog;
}

/** What the Slack listeners of post-mortems and customer drafts need (one module provides it). */
export interface PostmortemCapability {
  drafts: PostmortemDeps;
  customer: CustomerDeps;
}
