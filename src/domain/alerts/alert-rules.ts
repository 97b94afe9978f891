import { z } from 'zod';
import type { NormalizedAlert } from './normalized-alert';

export const INCIDENT_SEVERITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

/** What the rules look at in an alert: its name, labels, severity hint and source. */
export type RuleFacts = Pick<NormalizedAlert, 'source' | 'name' | 'labels' | 'severityHint'>;

export type AlertAction =
  | { kind: 'declare'; severity: IncidentSeverity; security: boolean; suggestRunbook?: string }
  | { kind: 'thread' }
  | { kind: 'ignore' };

// A value is one accepted string or a list of them; every key of `match` has to match.
const matchValue = z.union([z.string(), z.array(z.string()).min(1)]);
const matchSchema = z.record(z.string().min(1), matchValue);

const declareRule = z.object({
  match: matchSchema,
  action: z.literal('declare'),
  severity: z.enum(INCIDENT_SEVERITIES),
  security: z.boolean().default(false),
  suggestRunbook: z.string().min(1).optional(),
});
const threadRule = z.object({ match: matchSchema, action: z.literal('thread') });
const ignoreRule = z.object({ match: matchSchema, action: z.literal('ignore') });

export const alertRuleSchema = z.discriminatedUnion('action', [
  declareRule,
  threadRule,
  ignoreRule,
]);
/** Config list of alert rules; the first rule whose `match` fits an alert decides. */
export const alertRulesSchema = z.array(alertRuleSchema);

export type AlertRule = z.infer<typeof alertRuleSchema>;
/** A rule as written in the config file (`security` may be left out). */
export type AlertRuleInput = z.input<typeof alertRuleSchema>;

/** The seed runbook's four alerts (§5 of the runbook). */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  {
    match: { alertname: 'TenantRLSDenied' },
    action: 'declare',
    severity: 'P1',
    security: true,
    suggestRunbook: 'tenant-leak-response',
  },
  {
    match: { alertname: 'TenantErrorRateHigh' },
    action: 'declare',
    severity: 'P1',
    security: false,
  },
  {
    match: { alertname: 'TenantLatencyP99High' },
    action: 'declare',
    severity: 'P2',
    security: false,
  },
  { match: { alertname: 'TenantQuotaNearLimit' }, action: 'thread' },
];

/**
 * What a key of `match` is compared with: the label of that name, else for `alertname`,
 * `severity` and `source` the alert's name, severity hint and source (Datadog and PagerDuty
 * alerts carry those outside their labels).
 */
function valueFor(alert: RuleFacts, key: string): string | undefined {
  if (key === 'alertname') return alert.name;
  const label = alert.labels[key];
  if (label !== undefined) return label;
  if (key === 'severity') return alert.severityHint;
  if (key === 'source') return alert.source;
  return undefined;
}

export function ruleMatches(rule: Pick<AlertRule, 'match'>, alert: RuleFacts): boolean {
  return Object.entries(rule.match).every(([key, expected]) => {
    const actual = valueFor(alert, key);
    if (actual === undefined) return false;
    return typeof expected === 'string' ? actual === expected : expected.includes(actual);
  });
}

function toAction(rule: AlertRule): AlertAction {
  switch (rule.action) {
    case 'declare': {
      const action: AlertAction = {
        kind: 'declare',
        severity: rule.severity,
        security: rule.security,
      };
      if (rule.suggestRunbook !== undefined) action.suggestRunbook = rule.suggestRunbook;
      return action;
    }
    case 'thread':
      return { kind: 'thread' };
    case 'ignore':
      return { kind: 'ignore' };
  }
}

/**
 * Maps an alert to what tenantops does with it: first matching rule wins, an alert no rule
 * matches is posted in a thread only. Status (firing / resolved) is the caller's concern.
 */
export function decideAction(
  alert: RuleFacts,
  rules: readonly AlertRule[] = DEFAULT_ALERT_RULES,
): AlertAction {
  const rule = rules.find((candidate) => ruleMatches(candidate, alert));
  return rule === undefined ? { kind: 'thread' } : toAction(rule);
}
