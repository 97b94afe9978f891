import { formatDuration } from '../src/domain/sla/duration';
import { PEOPLE_SECTIONS, peopleBlock } from '../src/domain/postmortems/people';
import type { PostmortemDocument } from '../src/domain/postmortems/postmortem-view';
import type { TenantSlaRecord } from '../src/domain/postmortems/sla-record';
import { ZonedFormatter } from '../src/domain/postmortems/zoned-time';
import { escapeMarkdown as md, mermaidName } from './markdown-text';

/** The first line of every draft: what it is, so an uploaded edit can say what it was based on. */
export function draftMarker(ref: string, version: number): string {
  return `<!-- tenantops:postmortem ${ref} v${version} -->`;
}

const MARKER = /<!--\s*tenantops:postmortem\s+(INC-\d+)\s+v(\d+)\s*-->/;

/** The incident and version an uploaded draft says it was based on. */
export function readDraftMarker(markdown: string): { ref: string; version: number } | undefined {
  const m = MARKER.exec(markdown);
  return m?.[1] && m[2] ? { ref: m[1], version: Number(m[2]) } : undefined;
}

function span(from: Date | null, to: Date | null): string {
  return from && to ? formatDuration(to.getTime() - from.getTime()) : '—';
}

function slaModel(s: TenantSlaRecord, t: ZonedFormatter) {
  const fr = s.firstResponse;
  return {
    tenant: md(s.tenant),
    name: md(s.name),
    firstResponse: fr && {
      target: formatDuration(fr.targetMs),
      due: t.dateTime(fr.dueAt),
      actual: fr.actualAt ? t.dateTime(fr.actualAt) : 'none',
      verdict: fr.met ? 'met' : 'BREACHED',
    },
    updates: `${s.updates.onTime} on time, ${s.updates.late} late (${s.updates.total} in all)`,
    breaches: s.breaches.map((b) => ({
      clock: b.clock,
      due: t.dateTime(b.dueAt),
      fired: t.dateTime(b.firedAt),
      answered: b.answeredAt ? t.dateTime(b.answeredAt) : 'not answered',
      late: b.answeredAt ? formatDuration(b.answeredAt.getTime() - b.dueAt.getTime()) : '—',
    })),
    hasBreaches: s.breaches.length > 0,
    security: s.security && {
      due: t.dateTime(s.security.dueAt),
      recorded: s.security.recordedAt ? t.dateTime(s.security.recordedAt) : 'not recorded',
      verdict: s.security.onTime === null ? 'open' : s.security.onTime ? 'on time' : 'LATE',
    },
    sent: s.sent.map((x) => ({
      kind: x.kind === 'security_notice' ? 'security notice' : 'customer update',
      at: t.dateTime(x.at),
      by: x.by ? `@${x.by}` : '—',
    })),
  };
}

function gantt(doc: PostmortemDocument, t: ZonedFormatter): string {
  const lines = [
    'gantt',
    `  title ${mermaidName(`${doc.ref} phases (${t.zone})`)}`,
    '  dateFormat YYYY-MM-DD HH:mm:ss',
    '  axisFormat %H:%M',
    '  section Incident',
  ];
  doc.phases.forEach((p, i) =>
    lines.push(`  ${mermaidName(p.name)} :p${i + 1}, ${t.wallTime(p.start)}, ${t.wallTime(p.end)}`),
  );
  if (doc.milestones.length > 0) lines.push('  section SLA');
  doc.milestones.forEach((m, i) =>
    lines.push(`  ${mermaidName(m.name)} :milestone, m${i + 1}, ${t.wallTime(m.at)}, 0d`),
  );
  return lines.join('\n');
}

/**
 * The Markdown view of a draft: every string escaped for Markdown, every time in `zone`. The
 * template only places these; it can't un-escape them (no HTML escaping is added either).
 */
export function markdownModel(doc: PostmortemDocument, zone: string) {
  const t = new ZonedFormatter(zone);
  const at = (d: Date | null) => (d ? t.dateTime(d) : '—');
  const people = Object.fromEntries(
    PEOPLE_SECTIONS.map((s) => [s.key, peopleBlock(s.key, doc.people[s.key])]),
  );
  return {
    marker: draftMarker(doc.ref, doc.version),
    ref: doc.ref,
    version: doc.version,
    generatedAt: t.dateTime(doc.generatedAt),
    timezone: zone,
    title: md(doc.title),
    severity: doc.severity,
    severityChanges: doc.severityChanges.map((c) => ({
      at: t.dateTime(c.at),
      from: c.from,
      to: c.to,
    })),
    state: doc.state,
    interim: doc.interim,
    security: doc.security,
    securityAwareAt: doc.securityAwareAt ? t.dateTime(doc.securityAwareAt) : null,
    partial: doc.partial,
    tenants: doc.tenants.map((x) => ({
      id: md(x.id),
      name: md(x.name),
      plan: md(x.plan),
      added: t.dateTime(x.addedAt),
    })),
    declaredBy: `@${doc.declaredBy}`,
    roles: (['commander', 'comms', 'scribe'] as const).map((r) => ({
      role: r,
      user: doc.roles[r] ? `@${doc.roles[r]}` : '—',
    })),
    times: [
      { label: 'Declared', at: at(doc.times.declared), after: '—' },
      {
        label: 'Acknowledged',
        at: at(doc.times.acknowledged),
        after: span(doc.times.declared, doc.times.acknowledged),
      },
      {
        label: 'Mitigated',
        at: at(doc.times.mitigated),
        after: span(doc.times.declared, doc.times.mitigated),
      },
      {
        label: 'Resolved',
        at: at(doc.times.resolved),
        after: span(doc.times.declared, doc.times.resolved),
      },
    ],
    summary: doc.summary ? md(doc.summary) : null,
    sla: doc.sla.map((s) => slaModel(s, t)),
    timeline: doc.timeline.map((e) => ({
      at: t.dateTime(e.at),
      who: e.actor ? `@${e.actor}` : 'tenantops',
      kind: e.kind,
      text: md(e.text),
    })),
    alerts: doc.alerts.map((a) => ({
      name: md(a.name),
      tenant: a.tenant ? md(a.tenant) : 'platform',
      source: a.source,
      status: a.status,
      first: t.dateTime(a.firstAt),
      last: t.dateTime(a.lastAt),
      deliveries: a.deliveries,
      summary: md(a.summary),
    })),
    runbookRuns: doc.runbookRuns.map((r) => ({
      id: md(r.id),
      runbook: md(r.runbook),
      tenant: md(r.tenant),
      state: md(r.state),
      started: t.dateTime(r.startedAt),
      finished: at(r.finishedAt),
      by: r.startedBy ? `@${r.startedBy}` : '—',
      steps: r.steps.map((s) => ({
        name: md(s.name),
        state: md(s.state),
        at: at(s.at),
        note: s.note ? md(s.note) : '',
      })),
    })),
    gantt: gantt(doc, t),
    people,
    peopleSections: PEOPLE_SECTIONS.map((s) => ({
      title: s.title,
      block: people[s.key] as string,
    })),
    due: doc.dueAt ? t.day(doc.dueAt) : null,
    done: doc.done
      ? { at: t.dateTime(doc.done.at), by: doc.done.by ? `@${doc.done.by}` : '—' }
      : null,
    whatsNew: doc.whatsNew.map(md),
  };
}

export type MarkdownModel = ReturnType<typeof markdownModel>;

/** A small document every template must render (checked when a template is loaded). */
export function sampleDocument(): PostmortemDocument {
  const at = new Date('2026-01-05T10:00:00Z');
  const later = new Date('2026-01-05T11:00:00Z');
  return {
    ref: 'INC-1',
    title: 'Sample',
    severity: 'P1',
    severityChanges: [{ at, from: 'P2', to: 'P1' }],
    state: 'resolved',
    interim: false,
    security: true,
    securityAwareAt: at,
    tenants: [{ id: 'acme', name: 'Acme', plan: 'default', addedAt: at }],
    partial: false,
    declaredBy: 'U0SAMPLE',
    roles: { commander: 'U0SAMPLE' },
    times: { declared: at, acknowledged: at, mitigated: later, resolved: later },
    summary: 'Sample',
    timeline: [{ at, actor: 'U0SAMPLE', kind: 'declared', text: 'Declared' }],
    sla: [
      {
        tenant: 'acme',
        name: 'Acme',
        updates: { onTime: 1, late: 1, total: 2 },
        firstResponse: { targetMs: 1_800_000, dueAt: later, actualAt: later, met: true },
        breaches: [{ clock: 'customer update', dueAt: at, firedAt: at, answeredAt: later }],
        security: { dueAt: later, recordedAt: null, onTime: null },
        sent: [{ kind: 'update', at, by: 'U0SAMPLE' }],
      },
    ],
    alerts: [
      {
        source: 'alertmanager',
        name: 'A',
        tenant: 'acme',
        status: 'resolved',
        summary: 'S',
        firstAt: at,
        lastAt: later,
        deliveries: 2,
      },
    ],
    runbookRuns: [
      {
        id: 'RB-1',
        runbook: 'tenant-backup',
        tenant: 'acme',
        state: 'completed',
        startedAt: at,
        finishedAt: later,
        startedBy: 'U0SAMPLE',
        steps: [{ name: 's', state: 'done', at }],
      },
    ],
    phases: [{ name: 'Declared to resolved', start: at, end: later }],
    milestones: [{ name: 'SLA breach acme', at }],
    dueAt: later,
    version: 1,
    generatedAt: later,
    people: {},
    whatsNew: ['Sample'],
    done: null,
  };
}
