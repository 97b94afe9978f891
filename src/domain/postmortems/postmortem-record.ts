import type { Incident, TimelineKind } from '../incidents/incident';
import type { ClockKind, ClockStatus } from '../sla/sla-clock';

/** An affected tenant as the draft names it. */
export interface RecordTenant {
  id: string;
  name: string;
  plan: string;
  addedAt: Date;
}

export interface RecordTimelineEntry {
  id: number;
  at: Date;
  actor: string | null;
  kind: TimelineKind;
  text: string;
  tenants: string[];
}

/** One SLA clock as stored (its latest generation). */
export interface RecordClock {
  tenant: string;
  kind: ClockKind;
  status: ClockStatus;
  startedAt: Date;
  dueAt: Date;
  breachedAt: Date | null;
  metAt: Date | null;
  stoppedAt: Date | null;
}

/** A breach a clock fired (step `due`): which clock, when it was due, when it fired. */
export interface RecordBreach {
  tenant: string;
  kind: ClockKind;
  dueAt: Date;
  firedAt: Date;
}

export interface RecordAlert {
  source: string;
  name: string;
  tenant: string | null;
  status: string;
  summary: string;
  firstAt: Date;
  lastAt: Date;
  deliveries: number;
}

/** A customer message (update or security notice) drafted for one tenant. */
export interface RecordCustomerMessage {
  id: number;
  tenant: string;
  kind: 'update' | 'security_notice';
  status: 'draft' | 'sent';
  createdAt: Date;
  sentAt: Date | null;
  sentBy: string | null;
}

/** A runbook run and its steps, contributed by the runbook capability when it exists. */
export interface RunbookRunFact {
  id: string;
  runbook: string;
  tenant: string;
  state: string;
  startedAt: Date;
  finishedAt: Date | null;
  startedBy: string | null;
  steps: { name: string; state: string; at: Date | null; note?: string }[];
}

/** What other capabilities add to a draft (see PostmortemContributor). */
export interface PostmortemContribution {
  runbookRuns?: RunbookRunFact[];
}

/** Everything the draft is made from, as the reader's scope sees it. */
export interface PostmortemRecord {
  incident: Incident & { securityAwareAt: Date | null };
  tenants: RecordTenant[];
  timeline: RecordTimelineEntry[];
  clocks: RecordClock[];
  breaches: RecordBreach[];
  alerts: RecordAlert[];
  messages: RecordCustomerMessage[];
  runbookRuns: RunbookRunFact[];
}
