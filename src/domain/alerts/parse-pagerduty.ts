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

const PD_ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
type PagerDutyAction = (typeof PD_ACTIONS)[number];

const STATUS_BY_ACTION: Record<PagerDutyAction, AlertStatus> = {
  trigger: 'firing',
  acknowledge: 'acknowledged',
  resolve: 'resolved',
};

// `payload` of an Events API v2 alert event; required for trigger events only.
const eventPayloadSchema = z.object({
  summary: z.string().min(1).max(1024),
  source: z.string().min(1),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  timestamp: timestampSchema.optional(),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  custom_details: z.unknown().optional(),
});

const eventSchema = z
  .object({
    routing_key: z.string().min(1),
    event_action: z.enum(PD_ACTIONS),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: eventPayloadSchema.optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
    images: z.array(z.unknown()).optional(),
    links: z.array(z.unknown()).optional(),
  })
  .superRefine((event, ctx) => {
    if (event.event_action === 'trigger' && event.payload === undefined) {
      ctx.addIssue({ code: 'custom', path: ['payload'], message: 'payload is required' });
    }
    if (event.event_action !== 'trigger' && event.dedup_key === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['dedup_key'],
        message: `dedup_key is required for ${event.event_action} events`,
      });
    }
  });

type PagerDutyEvent = z.infer<typeof eventSchema>;

export interface PagerDutyMeta {
  eventAction: PagerDutyAction;
  /** True when a trigger came without dedup_key and one was derived from its payload. */
  dedupKeyDerived: boolean;
  /** Last four characters only: the routing key is a credential. */
  routingKeyHint: string;
  client?: string;
}

/** Top-level scalar custom_details become labels, so tenant_id and alertname can live there. */
function detailLabels(details: unknown): Record<string, string> {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return {};
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(details)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      labels[key] = String(value);
    }
  }
  return labels;
}

function annotationsOf(event: PagerDutyEvent): Record<string, string> {
  const annotations: Record<string, string> = {};
  const payload = event.payload;
  if (payload === undefined) return annotations;
  for (const key of ['source', 'component', 'group', 'class'] as const) {
    const value = present(payload[key]);
    if (value !== undefined) annotations[key] = value;
  }
  if (typeof payload.custom_details === 'string') annotations.details = payload.custom_details;
  return annotations;
}

// PagerDuty would assign a random key; a hash of what identifies the problem keeps repeated
// triggers of the same problem on one alert instead.
function derivedDedupKey(event: PagerDutyEvent): string {
  const p = event.payload;
  return `derived-${labelFingerprint({
    routing_key: event.routing_key,
    source: p?.source ?? '',
    component: p?.component ?? '',
    group: p?.group ?? '',
    class: p?.class ?? '',
    summary: p?.summary ?? '',
  })}`;
}

function redacted(body: object): unknown {
  return { ...body, routing_key: '[redacted]' };
}

/** Parses a PagerDuty Events API v2 alert event (trigger / acknowledge / resolve). */
export function parsePagerDuty(
  body: unknown,
  options: ParseOptions = {},
): ParseResult<PagerDutyMeta> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return failure('body', 'expected a JSON object');
  }
  const parsed = eventSchema.safeParse(body);
  if (!parsed.success) return failureFrom(parsed.error, body);
  const event = parsed.data;
  const payload = event.payload;
  const problems: string[] = [];
  const startsAt = payload?.timestamp ?? options.receivedAt;
  if (startsAt === undefined) problems.push('no payload.timestamp and no receive time given');
  const labels = detailLabels(payload?.custom_details);
  const status = STATUS_BY_ACTION[event.event_action];
  const time = startsAt ?? new Date(0);
  const fingerprint = event.dedup_key ?? derivedDedupKey(event);
  const alert = buildAlert(
    {
      source: 'pagerduty',
      status,
      labels,
      annotations: annotationsOf(event),
      startsAt: time,
      ...(status === 'resolved' ? { endsAt: time } : {}),
      fingerprint,
      // Follow-up events carry only the dedup_key; the stored alert supplies the rest.
      name:
        present(labels.alertname) ??
        present(payload?.class) ??
        present(payload?.summary) ??
        fingerprint,
      summary: payload?.summary ?? `${event.event_action} ${fingerprint}`,
      ...(payload === undefined ? {} : { severityHint: payload.severity }),
      problems,
      raw: redacted(body),
    },
    options,
  );
  const meta: PagerDutyMeta = {
    eventAction: event.event_action,
    dedupKeyDerived: event.dedup_key === undefined,
    routingKeyHint: event.routing_key.slice(-4),
  };
  if (event.client !== undefined) meta.client = event.client;
  return { ok: true, alerts: [alert], meta };
}
