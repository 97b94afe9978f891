import { z } from 'zod';
import {
  buildAlert,
  cleanStringMap,
  failure,
  failureFrom,
  parseTimestamp,
  stringTimestampSchema,
  type NormalizedAlert,
  type ParseOptions,
  type ParseResult,
} from './normalized-alert';

export const ALERTMANAGER_WEBHOOK_VERSION = '4';

const stringMap = z.record(z.string(), z.unknown());

// One element of `alerts`, as template.Alert in Alertmanager's template/template.go.
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.optional(),
  startsAt: stringTimestampSchema,
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  // Added in Alertmanager 0.19; computed from the labels when an older one leaves it out.
  fingerprint: z.string().optional(),
});

// webhook.Message in notify/webhook/webhook.go: template.Data plus version, groupKey and
// truncatedAlerts. Keys are checked in this order, so a wrong version is reported first.
const messageSchema = z.object({
  version: z.literal(ALERTMANAGER_WEBHOOK_VERSION, {
    error: (issue) =>
      issue.input === undefined
        ? 'version is required'
        : `unsupported Alertmanager webhook version ${JSON.stringify(issue.input)}; expected "${ALERTMANAGER_WEBHOOK_VERSION}"`,
  }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: stringMap.optional(),
  commonLabels: stringMap.optional(),
  commonAnnotations: stringMap.optional(),
  externalURL: z.string().optional(),
  // Newer, optional fields: why this notification was sent, and the matching route's labels.
  notification_reason: z.string().optional(),
  routeLabels: stringMap.optional(),
  alerts: z.array(alertSchema),
});

type AlertmanagerAlert = z.infer<typeof alertSchema>;

export interface AlertmanagerMeta {
  receiver: string;
  status: 'firing' | 'resolved';
  groupKey: string;
  groupLabels: Record<string, string>;
  externalURL?: string;
  /** Alerts Alertmanager left out of this notification because of `max_alerts`. */
  truncatedAlerts: number;
  notificationReason?: string;
  routeLabels?: Record<string, string>;
}

function toAlert(alert: AlertmanagerAlert, raw: unknown, options: ParseOptions): NormalizedAlert {
  const endsAt = alert.endsAt === undefined ? undefined : parseTimestamp(alert.endsAt);
  return buildAlert(
    {
      source: 'alertmanager',
      status: alert.status,
      labels: alert.labels,
      annotations: alert.annotations,
      startsAt: alert.startsAt,
      ...(endsAt === undefined ? {} : { endsAt }),
      ...(alert.fingerprint === undefined ? {} : { fingerprint: alert.fingerprint }),
      raw,
    },
    options,
  );
}

/** Parses a Prometheus Alertmanager webhook (version 4) into one alert per element of `alerts`. */
export function parseAlertmanager(
  body: unknown,
  options: ParseOptions = {},
): ParseResult<AlertmanagerMeta> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return failure('body', 'expected a JSON object');
  }
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) return failureFrom(parsed.error, body);
  const message = parsed.data;
  const ignored: string[] = [];
  const meta: AlertmanagerMeta = {
    receiver: message.receiver,
    status: message.status,
    groupKey: message.groupKey,
    groupLabels: cleanStringMap(message.groupLabels, 'label', ignored),
    truncatedAlerts: message.truncatedAlerts ?? 0,
  };
  if (message.externalURL !== undefined) meta.externalURL = message.externalURL;
  if (message.notification_reason !== undefined) {
    meta.notificationReason = message.notification_reason;
  }
  if (message.routeLabels !== undefined) {
    meta.routeLabels = cleanStringMap(message.routeLabels, 'label', ignored);
  }
  const rawAlerts = (body as { alerts: unknown[] }).alerts;
  const alerts = message.alerts.map((alert, i) => toAlert(alert, rawAlerts[i], options));
  return { ok: true, alerts, meta };
}
