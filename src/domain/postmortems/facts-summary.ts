import type { PostmortemFacts } from './postmortem-view';

/** What a version's facts amounted to, kept with it so the next version can say what is new. */
export interface FactsSummary {
  state: string;
  severity: string;
  tenants: string[];
  timeline: number;
  alerts: string[];
  breaches: number;
  sent: number;
  runbookRuns: string[];
}

export function summarizeFacts(facts: PostmortemFacts): FactsSummary {
  return {
    state: facts.state,
    severity: facts.severity,
    tenants: facts.tenants.map((t) => t.id),
    timeline: facts.timeline.length,
    alerts: facts.alerts.map((a) => `${a.source}/${a.name}/${a.tenant ?? ''}`),
    breaches: facts.sla.reduce((n, s) => n + s.breaches.length, 0),
    sent: facts.sla.reduce((n, s) => n + s.sent.length, 0),
    runbookRuns: facts.runbookRuns.map((r) => r.id),
  };
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** Plain lines saying what changed in the record since `before` (empty when nothing did). */
export function whatsNew(before: FactsSummary | undefined, now: FactsSummary): string[] {
  if (!before) return [];
  const lines: string[] = [];
  if (before.state !== now.state)
    lines.push(`The incident is now ${now.state} (was ${before.state}).`);
  if (before.severity !== now.severity)
    lines.push(`Severity changed ${before.severity} → ${now.severity}.`);
  const tenants = now.tenants.filter((t) => !before.tenants.includes(t));
  if (tenants.length > 0) lines.push(`Tenants affected since: ${tenants.join(', ')}.`);
  if (now.timeline > before.timeline)
    lines.push(`${plural(now.timeline - before.timeline, 'new timeline event')}.`);
  const alerts = now.alerts.filter((a) => !before.alerts.includes(a));
  if (alerts.length > 0)
    lines.push(`${plural(alerts.length, 'new alert')}: ${alerts.slice(0, 10).join(', ')}.`);
  if (now.breaches > before.breaches)
    lines.push(`${plural(now.breaches - before.breaches, 'new SLA breach')}.`);
  if (now.sent > before.sent)
    lines.push(`${plural(now.sent - before.sent, 'customer message')} sent.`);
  const runs = now.runbookRuns.filter((r) => !before.runbookRuns.includes(r));
  if (runs.length > 0) lines.push(`Runbook runs since: ${runs.join(', ')}.`);
  return lines;
}
