import { z } from 'zod';
import { buildAlert } from './build-alert';
import {
  failure,
  failureFrom,
  labelFingerprint,
  present,
  timestampSchema,
  type AlertStatus,
  type ParseOptions,
  type ParseResult,
} from './normalized-alert';

const idLike = z.union([z.string(), z.number()]).transform(String);
const optionalText = z.string().optional();

// The Webhooks integration's default payload ($ID, $EVENT_TITLE, $DATE, ...) plus the variables
// teams usually add to it; only the default payload's id, title and date are required.
const payloadSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string(),
  date: timestampSchema,
  body: optionalText,
  last_updated: z.union([z.string(), z.number()]).optional(),
  event_type: optionalText,
  org: z.object({ id: idLike.optional(), name: optionalText }).optional(),
  alert_id: idLike.optional(),
  alert_cycle_key: idLike.optional(),
  alert_transition: optionalText,
  alert_title: optionalText,
  alert_type: optionalText,
  alert_priority: optionalText,
  alert_status: optionalText,
  alert_metric: optionalText,
  alert_query: optionalText,
  alert_scope: optionalText,
  tags: z.union([z.string(), z.array(z.string())]).optional(),
  hostname: optionalText,
  link: optionalText,
});

type DatadogPayload = z.infer<typeof payloadSchema>;

export interface DatadogMeta {
  eventId: string;
  eventType?: string;
  transition?: string;
  alertCycleKey?: string;
  orgId?: string;
  orgName?: string;
}

// "[P1] [Triggered on {host:a}] Name": priority and transition prefixes of $EVENT_TITLE.
const TITLE_PREFIX =
  /^\s*\[(?:P\d|Recovered|Re-Triggered|Triggered|Re-Warn|Warn|Re-No Data|No Data|Renotify)\b[^\]]*\]\s*/i;
const TITLE_TRANSITION =
  /\[(Recovered|Re-Triggered|Triggered|Re-Warn|Warn|Re-No Data|No Data|Renotify)\b[^\]]*\]/i;
// "[Triggered on {tenant_id:acme,env:prod}]": the group of a multi-alert monitor.
const TITLE_SCOPE = /\[[^\]]*\bon \{([^}]*)\}\]/;

/** The monitor name inside an event or alert title, without priority and transition prefixes. */
export function monitorNameFromTitle(title: string): string {
  let rest = title;
  while (TITLE_PREFIX.test(rest)) rest = rest.replace(TITLE_PREFIX, '');
  rest = rest.trim();
  const bracketed = /^\[(.*)\]$/.exec(rest);
  return (bracketed?.[1] ?? rest).trim();
}

/** `tenant_id:acme, env:prod` (the $TAGS / $ALERT_SCOPE format) as labels; bare tags are skipped. */
export function tagsToLabels(tags: string | readonly string[] | undefined): Record<string, string> {
  const list = typeof tags === 'string' ? tags.split(',') : (tags ?? []);
  const labels: Record<string, string> = {};
  for (const tag of list) {
    const trimmed = tag.trim();
    const colon = trimmed.indexOf(':');
    if (colon > 0) labels[trimmed.slice(0, colon)] = trimmed.slice(colon + 1);
  }
  return labels;
}

/** The group a multi-alert monitor fired for: $ALERT_SCOPE, else the title's `on {...}`. */
function scopeOf(payload: Pick<DatadogPayload, 'title' | 'alert_scope'>): string {
  const scope = present(payload.alert_scope) ?? TITLE_SCOPE.exec(payload.title)?.[1] ?? '';
  const tags = scope.split(',').map((t) => t.trim());
  return [...new Set(tags.filter((t) => t !== ''))].sort().join(',');
}

/**
 * What identifies an alert when the payload has no $ALERT_CYCLE_KEY (the default payload): the
 * org, the monitor (its id when the payload carries $ALERT_ID, else its title without the
 * priority and transition prefixes) and the group it fired for. Every transition of one alert
 * (Triggered, Warn, No Data, Re-Triggered, Recovered) has the same identity.
 */
export function datadogAlertIdentity(
  payload: Pick<DatadogPayload, 'title' | 'alert_id' | 'alert_scope' | 'org'>,
): string {
  const monitor = present(payload.alert_id);
  return `dd-${labelFingerprint({
    org: present(payload.org?.id) ?? '',
    monitor:
      monitor === undefined ? `title:${monitorNameFromTitle(payload.title)}` : `id:${monitor}`,
    scope: scopeOf(payload),
  })}`;
}

function statusOf(payload: DatadogPayload): { status: AlertStatus; problem?: string } {
  const transition = present(payload.alert_transition) ?? TITLE_TRANSITION.exec(payload.title)?.[1];
  if (transition !== undefined) {
    return { status: /^recovered$/i.test(transition.trim()) ? 'resolved' : 'firing' };
  }
  if (payload.alert_type === 'success') return { status: 'resolved' };
  return { status: 'firing', problem: 'no alert transition in payload or title; taken as firing' };
}

function annotationsOf(payload: DatadogPayload): Record<string, string> {
  const entries: [string, string | undefined][] = [
    ['body', payload.body],
    ['event_type', payload.event_type],
    ['alert_status', payload.alert_status],
    ['alert_metric', payload.alert_metric],
    ['alert_query', payload.alert_query],
    ['monitor_id', payload.alert_id],
    ['host', payload.hostname],
    ['link', payload.link],
  ];
  const annotations: Record<string, string> = {};
  for (const [key, value] of entries) {
    const text = present(value);
    if (text !== undefined) annotations[key] = text;
  }
  return annotations;
}

/** Parses a Datadog Webhooks integration notification (default payload, optional extras). */
export function parseDatadog(body: unknown, options: ParseOptions = {}): ParseResult<DatadogMeta> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return failure('body', 'expected a JSON object');
  }
  const parsed = payloadSchema.safeParse(body);
  if (!parsed.success) return failureFrom(parsed.error, body);
  const payload = parsed.data;
  const problems: string[] = [];
  const { status, problem } = statusOf(payload);
  if (problem !== undefined) problems.push(problem);
  // $ALERT_CYCLE_KEY names one trigger-to-recovery cycle exactly; without it, the monitor does.
  const cycleKey = present(payload.alert_cycle_key);
  // The triggering group ($ALERT_SCOPE, or the title's "on {...}" in the default payload) wins
  // over the monitor's $TAGS.
  const labels = {
    ...tagsToLabels(payload.tags),
    ...tagsToLabels(TITLE_SCOPE.exec(payload.title)?.[1]),
    ...tagsToLabels(payload.alert_scope),
  };
  const title = present(payload.alert_title) ?? payload.title;
  const alert = buildAlert(
    {
      source: 'datadog',
      status,
      labels,
      annotations: annotationsOf(payload),
      startsAt: payload.date,
      ...(status === 'resolved' ? { endsAt: payload.date } : {}),
      fingerprint: cycleKey ?? datadogAlertIdentity(payload),
      name: present(labels.alertname) ?? monitorNameFromTitle(title),
      summary: monitorNameFromTitle(payload.title),
      severityHint:
        present(payload.alert_priority) ??
        (payload.alert_type === 'success' ? undefined : present(payload.alert_type)),
      problems,
      raw: body,
    },
    options,
  );
  const meta: DatadogMeta = { eventId: payload.id };
  const optional: [keyof DatadogMeta, string | undefined][] = [
    ['eventType', payload.event_type],
    ['transition', payload.alert_transition],
    ['alertCycleKey', cycleKey],
    ['orgId', payload.org?.id],
    ['orgName', payload.org?.name],
  ];
  for (const [key, value] of optional) {
    const text = present(value);
    if (text !== undefined) meta[key] = text;
  }
  return { ok: true, alerts: [alert], meta };
}
