import { maskPersonalData } from '../masking';
import { incidentRef, type Severity } from '../incidents/incident';
import type { PeopleSections } from './people';
import type {
  PostmortemRecord,
  RecordAlert,
  RecordTenant,
  RunbookRunFact,
} from './postmortem-record';
import { tenantSlaRecord, type TenantSlaRecord } from './sla-record';
import { tenantRedactor } from './tenant-redaction';

/** Who the draft is for: every tenant (the stored draft) or only some (a tenant's version). */
export type DraftAudience = '*' | readonly string[];

export interface Phase {
  name: string;
  start: Date;
  end: Date;
}

/** The draft's facts, plain text, masked; everything in it comes from the record. */
export interface PostmortemFacts {
  ref: string;
  title: string;
  severity: Severity;
  severityChanges: { at: Date; from: string; to: string }[];
  state: string;
  interim: boolean;
  security: boolean;
  securityAwareAt: Date | null;
  /** The tenants this version covers; `partial` when other affected tenants were left out. */
  tenants: { id: string; name: string; plan: string; addedAt: Date }[];
  partial: boolean;
  declaredBy: string;
  roles: { commander?: string; comms?: string; scribe?: string };
  times: {
    declared: Date;
    acknowledged: Date | null;
    mitigated: Date | null;
    resolved: Date | null;
  };
  summary: string | null;
  sla: TenantSlaRecord[];
  timeline: { at: Date; actor: string | null; kind: string; text: string }[];
  alerts: RecordAlert[];
  runbookRuns: RunbookRunFact[];
  phases: Phase[];
  milestones: { name: string; at: Date }[];
  /** Post-mortem due (from its SLA clock, or computed at resolve); null while unresolved. */
  dueAt: Date | null;
}

/** The facts plus what is not a fact: the people's sections, the version, what is new. */
export interface PostmortemDocument extends PostmortemFacts {
  version: number;
  generatedAt: Date;
  people: PeopleSections;
  whatsNew: string[];
  done: { at: Date; by: string | null } | null;
}

const SEVERITY_CHANGE = /Severity (P\d) → (P\d)/;

/**
 * Builds the draft's facts from the record the reader's scope saw. Free text is masked; for a
 * tenant's version (`audience` a list) other tenants' ids and names are removed from it too.
 */
export function buildPostmortemFacts(
  record: PostmortemRecord,
  opts: { audience: DraftAudience; dueAt: Date | null; tenantNames?: ReadonlyMap<string, string> },
): PostmortemFacts {
  const inc = record.incident;
  const visible = record.tenants.filter(
    (t) => opts.audience === '*' || opts.audience.includes(t.id),
  );
  const hidden = inc.tenants
    .filter((id) => !visible.some((t) => t.id === id))
    .map((id) => ({ id, name: opts.tenantNames?.get(id) }));
  const redact = tenantRedactor(hidden);
  const clean = (text: string) => redact(maskPersonalData(text));
  const visibleIds = new Set(visible.map((t) => t.id));
  const timeline = record.timeline.filter(
    (e) => opts.audience === '*' || e.tenants.some((t) => visibleIds.has(t)),
  );
  return {
    ref: incidentRef(inc.number),
    title: clean(inc.title),
    severity: inc.severity,
    severityChanges: severityChanges(timeline),
    state: inc.state,
    interim: inc.state !== 'resolved',
    security: inc.security,
    securityAwareAt: inc.securityAwareAt,
    tenants: visible.map((t: RecordTenant) => ({ ...t, name: clean(t.name) })),
    partial: hidden.length > 0,
    declaredBy: inc.declaredBy,
    roles: { ...inc.roles },
    times: {
      declared: inc.declaredAt,
      acknowledged: inc.acknowledgedAt,
      mitigated: inc.mitigatedAt,
      resolved: inc.resolvedAt,
    },
    summary: inc.summary === null ? null : clean(inc.summary),
    sla: slaRecords(record, timeline, visible),
    timeline: timeline.map((e) => ({
      at: e.at,
      actor: e.actor,
      kind: e.kind,
      text: clean(e.text),
    })),
    alerts: record.alerts
      .filter((a) => (a.tenant === null ? opts.audience === '*' : visibleIds.has(a.tenant)))
      .map((a) => ({ ...a, summary: clean(a.summary), name: clean(a.name) })),
    runbookRuns: record.runbookRuns
      .filter((r) => opts.audience === '*' || visibleIds.has(r.tenant))
      .map((r) => ({
        ...r,
        steps: r.steps.map((s) => (s.note ? { ...s, note: clean(s.note) } : s)),
      })),
    phases: phasesOf(record),
    milestones: record.breaches
      .filter((b) => opts.audience === '*' || visibleIds.has(b.tenant))
      .slice(0, 20)
      .map((b) => ({ name: `SLA breach ${b.tenant}`, at: b.firedAt })),
    dueAt: opts.dueAt,
  };
}

/** Each tenant's SLA record; the timeline is walked once (20,000 events × 50 tenants add up). */
function slaRecords(
  record: PostmortemRecord,
  timeline: PostmortemRecord['timeline'],
  tenants: readonly RecordTenant[],
): TenantSlaRecord[] {
  const updates = new Map<string, Date[]>();
  const notified = new Map<string, Date>();
  for (const e of timeline) {
    if (e.kind === 'update')
      for (const t of e.tenants) {
        const list = updates.get(t) ?? [];
        list.push(e.at);
        updates.set(t, list);
      }
    if (e.kind === 'notified')
      for (const t of e.tenants) if (!notified.has(t)) notified.set(t, e.at);
  }
  return tenants.map((t) => slaOf(record, t, updates.get(t.id) ?? [], notified.get(t.id) ?? null));
}

function slaOf(
  record: PostmortemRecord,
  tenant: RecordTenant,
  updates: Date[],
  notifiedAt: Date | null,
): TenantSlaRecord {
  return tenantSlaRecord({
    tenant: tenant.id,
    name: tenant.name,
    clocks: record.clocks,
    breaches: record.breaches,
    updates,
    notifiedAt,
    sent: record.messages
      .filter((m) => m.tenant === tenant.id && m.status === 'sent' && m.sentAt)
      .map((m) => ({ kind: m.kind, at: m.sentAt as Date, by: m.sentBy })),
  });
}

function severityChanges(
  timeline: PostmortemRecord['timeline'],
): PostmortemFacts['severityChanges'] {
  const out: PostmortemFacts['severityChanges'] = [];
  for (const e of timeline) {
    if (e.kind !== 'severity_changed') continue;
    const m = SEVERITY_CHANGE.exec(e.text);
    if (m?.[1] && m[2]) out.push({ at: e.at, from: m[1], to: m[2] });
  }
  return out;
}

/** Declared → acknowledged → mitigated → resolved, each phase as long as it lasted. */
function phasesOf(record: PostmortemRecord): Phase[] {
  const inc = record.incident;
  const marks: { name: string; at: Date | null }[] = [
    { name: 'Declared', at: inc.declaredAt },
    { name: 'Acknowledged', at: inc.acknowledgedAt },
    { name: 'Mitigated', at: inc.mitigatedAt },
    { name: 'Resolved', at: inc.resolvedAt },
  ];
  const present = marks.filter((m): m is { name: string; at: Date } => m.at !== null);
  const phases: Phase[] = [];
  for (let i = 1; i < present.length; i++) {
    const from = present[i - 1] as { name: string; at: Date };
    const to = present[i] as { name: string; at: Date };
    phases.push({ name: `${from.name} to ${to.name.toLowerCase()}`, start: from.at, end: to.at });
  }
  return phases;
}
