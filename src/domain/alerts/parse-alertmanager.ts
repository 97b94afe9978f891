import { z } from 'zod';
import { buildAlert } from './build-alert';
import {
  cleanStringMap,
  failure,
  failureFrom,
  parseTimestamp,
  stringTimestampSchema,
  type AlertSource,
  type NormalizedAlert,
  type ParseOptions,
  type ParseResult,
} from './normalized-alert';

export const ALERTMANAGER_WEBHOOK_VERSION = '4';

const stringMap = z.record(z.string(), z.unknown());

/**
 * One element of `alerts`, as template.Alert in Alertmanager's template/template.go. Grafana
 * Alerting sends the same shape and extends it (`.extend()`).
 */
export const templateAlertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.optional(),
  startsAt: stringTimestampSchema,
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  // Added in Alertmanager 0.19; computed from the labels when an older one leaves it out.
  fingerprint: z.string().optional(),
});

/** The fields of template.Data every sender of Alertmanager's webhook shape fills. */
export const templateDataShape = {
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']),
  groupLabels: stringMap.optional(),
  commonLabels: stringMap.optional(),
  commonAnnotations: stringMap.optional(),
  externalURL: z.string().optional(),
};

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
  ...templateDataShape,
  receiver: z.string(),
  // Newer, optional fields: why this notification was sent, and the matching route's labels.
  notification_reason: z.string().optional(),
  routeLabels: stringMap.optional(),
  alerts: z.array(templateAlertSchema),
});

type TemplateAlert = z.infer<typeof templateAlertSchema>;
type TemplateData = z.infer<z.ZodObject<typeof templateDataShape>>;

/** What template.Data says about the whole notification. */
export interface TemplateDataMeta {
  status: 'firing' | 'resolved';
  groupLabels: Record<string, string>;
  externalURL?: string;
  /** Alerts the sender left out of this notification because of `max_alerts`. */
  truncatedAlerts: number;
}

export interface AlertmanagerMeta extends TemplateDataMeta {
  receiver: string;
  groupKey: string;
  notificationReason?: string;
  routeLabels?: Record<string, string>;
}

/** The notification-level facts of template.Data (labels cleaned, problems ignored). */
export function templateDataMeta(message: TemplateData): TemplateDataMeta {
  const meta: TemplateDataMeta = {
    status: message.status,
    groupLabels: cleanStringMap(message.groupLabels, 'label', []),
    truncatedAlerts: message.truncatedAlerts ?? 0,
  };
  if (message.externalURL !== undefined) meta.externalURL = message.externalURL;
  return meta;
}

function toAlert(
  source: AlertSource,
  alert: TemplateAlert,
  raw: unknown,
  options: ParseOptions,
): NormalizedAlert {
  const endsAt = alert.endsAt === undefined ? undefined : parseTimestamp(alert.endsAt);
  return buildAlert(
    {
      source,
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

/** Normalizes the `alerts` of a parsed template.Data body; each keeps its element as `raw`. */
export function templateAlerts(
  source: AlertSource,
  alerts: readonly TemplateAlert[],
  body: object,
  options: ParseOptions,
): NormalizedAlert[] {
  const rawAlerts = (body as { alerts: unknown[] }).alerts;
  return alerts.map((alert, i) => toAlert(source, alert, rawAlerts[i], options));
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
  const meta: AlertmanagerMeta = {
    ...templateDataMeta(message),
    receiver: message.receiver,
    groupKey: message.groupKey,
  };
  if (message.notification_reason !== undefined) {
    meta.notificationReason = message.notification_reason;
  }
  if (message.routeLabels !== undefined) {
    meta.routeLabels = cleanStringMap(message.routeLabels, 'label', []);
  }
  const alerts = templateAlerts('alertmanager', message.alerts, body, options);
  return { ok: true, alerts, meta };
}
