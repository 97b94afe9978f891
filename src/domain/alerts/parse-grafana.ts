import { z } from 'zod';
import { failure, failureFrom, type ParseOptions, type ParseResult } from './normalized-alert';
import {
  templateAlerts,
  templateAlertSchema,
  templateDataMeta,
  templateDataShape,
  type TemplateDataMeta,
} from './parse-alertmanager';

// Grafana Alerting sends Alertmanager's template.Alert with links and evaluated values added.
const alertSchema = templateAlertSchema.extend({
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  // Query and expression results by refId; kept in `raw` only, so not checked further.
  values: z.record(z.string(), z.unknown()).nullable().optional(),
  valueString: z.string().optional(),
  imageURL: z.string().optional(),
});

// Grafana's WebhookMessage: Alertmanager's template.Data plus orgId, title, state and message;
// its `version` is Grafana's own ("1"), not Alertmanager's webhook version.
const messageSchema = z.object({
  ...templateDataShape,
  receiver: z.string().optional(),
  orgId: z.number().int(),
  alerts: z.array(alertSchema),
  version: z.string().optional(),
  groupKey: z.string().optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
});

export interface GrafanaMeta extends TemplateDataMeta {
  receiver?: string;
  orgId: number;
  groupKey?: string;
  title?: string;
  state?: string;
}

function isLegacyPayload(body: object): boolean {
  return !('alerts' in body) && ('ruleName' in body || 'evalMatches' in body);
}

/** Parses a Grafana Alerting webhook contact point notification (Alertmanager's shape). */
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
  const meta: GrafanaMeta = { ...templateDataMeta(message), orgId: message.orgId };
  const optional = ['receiver', 'groupKey', 'title', 'state'] as const;
  for (const key of optional) {
    const value = message[key];
    if (value !== undefined) meta[key] = value;
  }
  return { ok: true, alerts: templateAlerts('grafana', message.alerts, body, options), meta };
}
