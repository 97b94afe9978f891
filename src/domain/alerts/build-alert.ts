import { maskPersonalData } from '../masking';
import {
  cleanStringMap,
  DEFAULT_TENANT_LABELS,
  isZeroTime,
  labelFingerprint,
  present,
  readTenant,
  type AlertSource,
  type AlertStatus,
  type NormalizedAlert,
  type ParseOptions,
} from './normalized-alert';

export interface AlertDraft {
  source: AlertSource;
  status: AlertStatus;
  labels: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  startsAt: Date;
  endsAt?: Date;
  fingerprint?: string;
  /** Overrides `labels.alertname` for sources whose name lives elsewhere. */
  name?: string;
  summary?: string;
  severityHint?: string;
  problems?: string[];
  raw: unknown;
}

/** The map with every value masked except those of `exact` keys. */
function maskValues(
  map: Record<string, string>,
  exact: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    out[key] = exact.has(key) ? value : maskPersonalData(value);
  }
  return out;
}

/**
 * Builds the normalized alert: cleans label and annotation maps, reads the tenant, fills gaps.
 * Alert text reaches Slack, the timeline and post-mortems, so personal data in it is masked here;
 * what identifies the alert stays exact: the fingerprint (computed from the labels as sent), the
 * tenant labels and `alertname`.
 */
export function buildAlert(draft: AlertDraft, options: ParseOptions = {}): NormalizedAlert {
  const problems = [...(draft.problems ?? [])];
  const labels = cleanStringMap(draft.labels, 'label', problems);
  const annotations = maskValues(cleanStringMap(draft.annotations, 'annotation', problems));
  const tenantLabels = options.tenantLabels ?? DEFAULT_TENANT_LABELS;
  const tenant = readTenant(labels, tenantLabels);
  if (tenant.problem !== undefined) problems.push(tenant.problem);
  let name = present(draft.name) ?? present(labels.alertname);
  if (name === undefined) {
    problems.push('no alertname label; named "unnamed-alert"');
    name = 'unnamed-alert';
  }
  // A name taken from free text (a PagerDuty summary, a Datadog title) is masked; alertname is not.
  if (name !== labels.alertname) name = maskPersonalData(name);
  const fingerprint = present(draft.fingerprint) ?? labelFingerprint(labels);
  const ownSummary = present(draft.summary);
  const summary =
    ownSummary === undefined
      ? (present(annotations.summary) ?? present(annotations.description) ?? name)
      : maskPersonalData(ownSummary);
  const alert: NormalizedAlert = {
    source: draft.source,
    fingerprint,
    status: draft.status,
    name,
    labels: maskValues(labels, new Set(['alertname', ...tenantLabels])),
    annotations,
    summary,
    startsAt: draft.startsAt,
    problems: problems.map(maskPersonalData),
    raw: draft.raw,
  };
  if (draft.status === 'resolved' && draft.endsAt && !isZeroTime(draft.endsAt)) {
    alert.endsAt = draft.endsAt;
  }
  if (tenant.tenantId !== undefined) alert.tenantId = tenant.tenantId;
  const severity = present(draft.severityHint) ?? present(labels.severity);
  if (severity !== undefined) alert.severityHint = severity;
  return alert;
}
