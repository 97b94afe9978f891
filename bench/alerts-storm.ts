import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';

/** One tenant's alerts of the storm, posted as one Alertmanager notification. */
export interface StormPayload {
  tenant: string;
  body: string;
  alerts: number;
  duplicate: boolean;
}

export function tenantId(i: number): string {
  return `tenant-${String(i).padStart(4, '0')}`;
}

/**
 * `alerts` Alertmanager alerts for `tenants` tenants in notifications of `group` alerts (one
 * tenant problem each), plus `dupRatio` of them delivered a second time (Alertmanager HA),
 * shuffled so duplicates arrive anywhere in the storm.
 */
export function stormPayloads(
  tenants: number,
  alerts: number,
  group: number,
  dupRatio: number,
  alertname = 'TenantQuotaNearLimit',
): StormPayload[] {
  const unique: StormPayload[] = [];
  for (let n = 0; n < alerts / group; n++) {
    const tenant = tenantId(n % tenants);
    const list = Array.from({ length: group }, (_, j) => {
      const labels = {
        alertname,
        tenant_id: tenant,
        resource: `quota-${Math.floor(n / tenants)}-${j}`,
        severity: 'warning',
      };
      return {
        status: 'firing',
        labels,
        annotations: { summary: `${tenant} ${labels.resource} above 90% of quota` },
        startsAt: '2026-03-02T10:00:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus:9090/graph',
        fingerprint: createHash('sha1').update(JSON.stringify(labels)).digest('hex').slice(0, 16),
      };
    });
    const body = JSON.stringify({
      version: '4',
      groupKey: `{}:{alertname="${alertname}", tenant_id="${tenant}"}`,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'tenantops',
      groupLabels: { alertname, tenant_id: tenant },
      commonLabels: { alertname, tenant_id: tenant },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: list,
    });
    unique.push({ tenant, body, alerts: group, duplicate: false });
  }
  const dups = unique
    .filter((_, i) => dupRatio > 0 && i % Math.round(1 / dupRatio) === 0)
    .map((p) => ({ ...p, duplicate: true }));
  const all = [...unique, ...dups];
  // Deterministic shuffle: a duplicate may arrive before its original, as with two Alertmanagers.
  let seed = 42;
  for (let i = all.length - 1; i > 0; i--) {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = seed % (i + 1);
    [all[i], all[j]] = [all[j] as StormPayload, all[i] as StormPayload];
  }
  return all;
}

export function postJson(
  agent: Agent,
  port: number,
  path: string,
  token: string,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Ideal send times under a GCRA limit (the Slack emulator's bucket), for ready times in order. */
export function idealSlots(ready: number[], intervalMs: number, burst: number): number[] {
  const tolerance = (burst - 1) * intervalMs;
  let tat = -Infinity;
  return ready.map((r) => {
    const t = Math.max(r, tat - tolerance);
    tat = Math.max(tat, t) + intervalMs;
    return t;
  });
}
