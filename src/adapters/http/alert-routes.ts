import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertSource, ParseOptions, ParseResult } from '../../domain/alerts/normalized-alert';
import { parseAlertmanager } from '../../domain/alerts/parse-alertmanager';
import { parseDatadog } from '../../domain/alerts/parse-datadog';
import { parseGrafana } from '../../domain/alerts/parse-grafana';
import { parsePagerDuty } from '../../domain/alerts/parse-pagerduty';
import type { ReceivedPayload, StoredPayload } from '../../ports/alert-store';
import { requireBearer } from './bearer';
import { readBody, sendJson, TooLarge, type Route } from './http-server';

export const MAX_ALERT_BODY = 1024 * 1024;

const PARSERS: Record<AlertSource, (body: unknown, opts: ParseOptions) => ParseResult<unknown>> = {
  alertmanager: parseAlertmanager,
  grafana: parseGrafana,
  datadog: parseDatadog,
  pagerduty: parsePagerDuty,
};

export interface AlertRouteOptions {
  /** ALERT_WEBHOOK_TOKEN; unset refuses every request. */
  token?: string;
  tenantLabels: readonly string[];
  accept(payload: ReceivedPayload): Promise<StoredPayload>;
  now?: () => Date;
}

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function problemsOf(source: AlertSource, meta: unknown): string[] {
  const truncated = (meta as { truncatedAlerts?: number } | undefined)?.truncatedAlerts ?? 0;
  return truncated > 0 ? [`${source} left out ${truncated} alerts of this group (max_alerts)`] : [];
}

/** The payload's text as stored: as received, but PagerDuty's routing key is a credential. */
function storedRaw(
  source: AlertSource,
  text: string,
  result: Extract<ParseResult<unknown>, { ok: true }>,
): string {
  return source === 'pagerduty' ? JSON.stringify(result.alerts[0]?.raw ?? {}) : text;
}

type Refusal = { status: number; body: Record<string, string> };

function refuse(status: number, error: string, field: string, message: string): Refusal {
  return { status, body: { error, field, message } };
}

/** The body as JSON text and value, or why it is refused (content type, size, syntax). */
async function readJson(req: IncomingMessage): Promise<{ text: string; body: unknown } | Refusal> {
  const type = req.headers['content-type'];
  if (!isJson(type)) {
    return refuse(
      400,
      'invalid_content_type',
      'content-type',
      `content-type must be application/json, got ${JSON.stringify(type ?? '')}`,
    );
  }
  let text: string;
  try {
    text = (await readBody(req, MAX_ALERT_BODY)).toString('utf8');
  } catch (err) {
    if (!(err instanceof TooLarge)) throw err;
    return refuse(413, 'payload_too_large', 'body', `body exceeds ${MAX_ALERT_BODY} bytes`);
  }
  try {
    return { text, body: JSON.parse(text) as unknown };
  } catch (err) {
    return refuse(400, 'invalid_json', 'body', `body is not valid JSON: ${(err as Error).message}`);
  }
}

async function receive(
  source: AlertSource,
  opts: AlertRouteOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // The token is checked before the body is read: a refused request costs nothing.
  if (!requireBearer(req, res, opts.token, 'ALERT_WEBHOOK_TOKEN')) return;
  const read = await readJson(req);
  if ('status' in read) {
    // The rest of an oversized body is not read: don't keep the connection.
    if (read.status === 413) res.setHeader('connection', 'close');
    return sendJson(res, read.status, read.body);
  }
  const receivedAt = opts.now?.() ?? new Date();
  const parsed = PARSERS[source](read.body, { tenantLabels: opts.tenantLabels, receivedAt });
  if (!parsed.ok)
    return sendJson(res, 400, refuse(400, 'invalid_payload', parsed.field, parsed.message).body);
  const stored = await opts.accept({
    source,
    receivedAt,
    rawJson: storedRaw(source, read.text, parsed),
    problems: problemsOf(source, parsed.meta),
    alerts: parsed.alerts,
  });
  sendJson(res, 202, {
    status: 'accepted',
    payload: stored.payloadId,
    alerts: parsed.alerts.length,
  });
}

/** POST /alerts/{alertmanager,grafana,datadog,pagerduty}: validate, store, queue, 202. */
export function alertRoutes(opts: AlertRouteOptions): Route[] {
  return (Object.keys(PARSERS) as AlertSource[]).map((source) => ({
    method: 'POST',
    path: `/alerts/${source}`,
    name: `alerts_${source}`,
    handler: (req, res) => receive(source, opts, req, res),
  }));
}
