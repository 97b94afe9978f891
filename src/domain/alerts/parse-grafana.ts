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

const stringMap = z.record(z.string(), z.unknown());

// One element of `alerts`: Alertmanager's template.Alert extended by Grafana Alerting.
const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.optional(),
  startsAt: stringTimestampSchema,
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  // Query and expression results by refId; kept in `raw` only, so not checked further.
  values: z.record(z.string(), z.unknown()).nullable().optional(),
  valueString: z.string().optional(),
  imageURL: z.string().optional(),
});

// Grafana's WebhookMessage: the Alertmanager data plus orgId, title, state and message.
const messageSchema = z.object({
  receiver: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  orgId: z.number().int(),
  alerts: z.array(alertSchema),
  groupLabels: stringMap.optional(),
  commonLabels: stringMap.optional(),
  commonAnnotations: stringMap.optional(),
  externalURL: z.string().optional(),
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
});

type GrafanaAlert = z.infer<typeof alertSchema>;

export interface GrafanaMeta {
  receiver?: string;
  status: 'firing' | 'resolved';
  orgId: number;
  groupKey?: string;
  groupLabels: Record<string, string>;
  externalURL?: string;
  truncatedAlerts: number;
  title?: string;
  state?: string;
}

function isLegacyPayload(body: object): boolean {
  return !('alerts' in body) && ('ruleName' in body || 'evalMatches' in body);
}

function toAlert(alert: GrafanaAlert, raw: unknown, options: ParseOptions): NormalizedAlert {
  const endsAt = alert.endsAt === undefined ? undefined : parseTimestamp(alert.endsAt);
  return buildAlert(
    {
      source: 'grafana',
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

/** Parses a Grafana Alerting webhook contact point notification. */
export function parseGrafana(body: unknown, options: ParseOptions = {}): ParseResult<GrafanaMeta> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return failure('body', 'expected a JSON object');
  }
  if (isLegacyPayload(body)) {
    return failure(
      'alerts',
      'legacy Grafana dashboard-alert payload; send from a Grafana Alerting webhook contact point',
    );
  }
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) return failureFrom(parsed.error, body);
  const message = parsed.data;
  const ignored: string[] = [];
  const meta: GrafanaMeta = {
    status: message.status,
    orgId: message.orgId,
    groupLabels: cleanStringMap(message.groupLabels, 'label', ignored),
    truncatedAlerts: message.truncatedAlerts ?? 0,
  };
  if (message.receiver !== undefined) meta.receiver = message.receiver;
  if (message.groupKey !== undefined) meta.groupKey = message.groupKey;
  if (message.externalURL !== undefined) meta.externalURL = message.externalURL;
  if (message.title !== undefined) meta.title = message.title;
  if (message.state !== undefined) meta.state = message.state;
  const rawAlerts = (body as { alerts: unknown[] }).alerts;
  const alerts = message.alerts.map((alert, i) => toAlert(alert, rawAlerts[i], options));
  return { ok: true, alerts, meta };
}
