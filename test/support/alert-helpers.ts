import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from './stack';
import { ALL } from './scopes';

export const ALERT_TOKEN = 'alert-token-0123456789abcdef';

export const ALERT_CONFIG = `
tenants:
  - { id: acme, name: Acme Corp, plan: enterprise }
  - { id: globex, name: Globex, plan: business }
  - { id: initech, name: Initech, plan: default }
  - { id: umbrella, name: Umbrella, plan: default }
  - { id: hooli, name: Hooli, plan: default }
  - { id: soylent, name: Soylent, plan: default }
incidents: { mode: channel }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ALICE, tenant: '*', role: commander }
  - { user: U0BOB, tenant: '*', role: approver }
`;

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(path.join(__dirname, '../fixtures/alerts', `${name}.json`), 'utf8'),
  ) as Record<string, unknown>;
}

export interface AlertSpec {
  labels: Record<string, string>;
  status?: 'firing' | 'resolved';
  summary?: string;
  startsAt?: string;
  endsAt?: string;
}

/** An Alertmanager webhook (version 4) body for these alerts. */
export function amPayload(
  alerts: AlertSpec[],
  groupKey = '{}:{alertname="x"}',
): Record<string, unknown> {
  const status = alerts.every((a) => a.status === 'resolved') ? 'resolved' : 'firing';
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: 'tenantops',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example.com:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? 'firing',
      labels: a.labels,
      annotations: {
        summary:
          a.summary ?? `${a.labels.alertname ?? 'alert'} for ${a.labels.tenant_id ?? 'platform'}`,
      },
      startsAt: a.startsAt ?? '2026-03-02T10:00:00Z',
      endsAt:
        a.endsAt ?? (a.status === 'resolved' ? '2026-03-02T10:30:00Z' : '0001-01-01T00:00:00Z'),
      generatorURL: 'http://prometheus.example.com:9090/graph',
    })),
  };
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs to /alerts/<source>; `token: null` sends no Authorization header. */
export async function postAlerts(
  url: string,
  source: string,
  body: unknown,
  opts: { token?: string | null; contentType?: string } = {},
): Promise<PostResult> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'application/json',
  };
  const token = opts.token === undefined ? ALERT_TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${url}/alerts/${source}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function countRows(
  stack: Stack,
  sql: string,
  params: unknown[] = [],
): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    Number((await c.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0),
  );
}

export async function rows<T>(stack: Stack, sql: string, params: unknown[] = []): Promise<T[]> {
  return stack.runtime.storage.db.scoped(
    ALL,
    async (c) => (await c.query(sql, params)).rows as T[],
  );
}

/** Polls until `check` returns a value (database state is not what the emulator's waiters see). */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
