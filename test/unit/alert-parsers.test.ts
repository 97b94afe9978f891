import amFiring from '../fixtures/alerts/alertmanager-firing.json';
import amResolved from '../fixtures/alerts/alertmanager-resolved.json';
import amMalformed from '../fixtures/alerts/alertmanager-malformed-labels.json';
import amCaptured from '../fixtures/alerts/alertmanager-0.25-truncated.json';
import grafanaFiring from '../fixtures/alerts/grafana-firing.json';
import ddDefault from '../fixtures/alerts/datadog-default.json';
import ddWithTags from '../fixtures/alerts/datadog-with-tags.json';
import ddRecovered from '../fixtures/alerts/datadog-recovered.json';
import pdTrigger from '../fixtures/alerts/pagerduty-trigger.json';
import pdAcknowledge from '../fixtures/alerts/pagerduty-acknowledge.json';
import pdResolve from '../fixtures/alerts/pagerduty-resolve.json';
import grafanaDocs from '../fixtures/alerts/grafana-docs-firing.json';
import ddDefaultRecovered from '../fixtures/alerts/datadog-default-recovered.json';
import ddDocsTriggered from '../fixtures/alerts/datadog-docs-default-triggered.json';
import ddDocsRecovered from '../fixtures/alerts/datadog-docs-default-recovered.json';
import pdDocsTrigger from '../fixtures/alerts/pagerduty-docs-trigger.json';
import pdDocsAcknowledge from '../fixtures/alerts/pagerduty-docs-acknowledge.json';
import pdDocsResolve from '../fixtures/alerts/pagerduty-docs-resolve.json';
import {
  groupKey,
  labelFingerprint,
  parseTimestamp,
  readTenant,
  tenantOf,
  type NormalizedAlert,
  type ParseResult,
} from '../../src/domain/alerts/normalized-alert';
import { parseAlertmanager } from '../../src/domain/alerts/parse-alertmanager';
import { parseGrafana } from '../../src/domain/alerts/parse-grafana';
import { monitorNameFromTitle, parseDatadog } from '../../src/domain/alerts/parse-datadog';
import { parsePagerDuty } from '../../src/domain/alerts/parse-pagerduty';

const clone = <T>(value: T): T => structuredClone(value);
const receivedAt = new Date('2026-03-02T12:30:00Z');

function alertsOf<M>(result: ParseResult<M>): NormalizedAlert[] {
  if (!result.ok) throw new Error(`expected ok, got ${result.field}: ${result.message}`);
  return result.alerts;
}
function only<M>(result: ParseResult<M>): NormalizedAlert {
  const [alert, ...rest] = alertsOf(result);
  if (alert === undefined || rest.length > 0) throw new Error('expected exactly one alert');
  return alert;
}

describe('alert model helpers', () => {
  it('computes the same fingerprint as Prometheus for the same label set', () => {
    // Test vectors from prometheus/common model/signature_test.go.
    const asDecimal = (hex: string) => BigInt(`0x${hex}`).toString();
    expect(asDecimal(labelFingerprint({}))).toBe('14695981039346656037');
    expect(
      asDecimal(labelFingerprint({ name: 'garland, briggs', fear: 'love is not enough' })),
    ).toBe('5799056148416392346');
  });

  it('reads tenant_id first, falls back to tenant and honours configured label names', () => {
    expect(tenantOf({ tenant_id: 'acme', tenant: 'globex' })).toBe('acme');
    expect(tenantOf({ tenant: 'globex' })).toBe('globex');
    expect(tenantOf({ customer: 'initech' }, ['customer'])).toBe('initech');
    expect(tenantOf({ job: 'api' })).toBeUndefined();
  });

  it('reports an invalid tenant id instead of using it', () => {
    expect(readTenant({ tenant_id: 'Acme Corp' })).toEqual({
      problem: expect.stringContaining('tenant_id="Acme Corp"'),
    });
  });

  it('groups by tenant and alert name, platform alerts under *', () => {
    expect(groupKey({ tenantId: 'acme', name: 'TenantErrorRateHigh' })).toBe(
      'acme/TenantErrorRateHigh',
    );
    expect(groupKey({ name: 'NodeDown' })).toBe('*/NodeDown');
  });

  it('parses RFC 3339 with nanoseconds and Unix seconds or milliseconds', () => {
    expect(parseTimestamp('2026-03-02T09:14:30.512345678Z')?.toISOString()).toBe(
      '2026-03-02T09:14:30.512Z',
    );
    expect(parseTimestamp('1772443200')?.toISOString()).toBe('2026-03-02T09:20:00.000Z');
    expect(parseTimestamp(1772443200000)?.toISOString()).toBe('2026-03-02T09:20:00.000Z');
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });
});

describe('parseAlertmanager', () => {
  it('normalizes each alert of a version 4 notification', () => {
    const result = parseAlertmanager(amFiring);
    const [errors, latency] = alertsOf(result);
    expect(errors).toMatchObject({
      source: 'alertmanager',
      fingerprint: 'fb73ad415df8e757',
      status: 'firing',
      name: 'TenantErrorRateHigh',
      tenantId: 'acme',
      severityHint: 'critical',
      summary: '5xx ratio above 1% for tenant acme',
      problems: [],
    });
    expect(errors?.startsAt.toISOString()).toBe('2026-03-02T09:14:30.512Z');
    expect(errors?.endsAt).toBeUndefined();
    expect(errors?.raw).toBe(amFiring.alerts[0]);
    expect(latency).toMatchObject({
      name: 'TenantLatencyP99High',
      fingerprint: '35fbda3828ac79a6',
    });
  });

  it('keeps truncatedAlerts, notification_reason and routeLabels in meta', () => {
    const result = parseAlertmanager(amFiring);
    expect(result).toMatchObject({
      ok: true,
      meta: {
        receiver: 'tenantops',
        truncatedAlerts: 1,
        notificationReason: 'new_alerts',
        routeLabels: { tenant_id: '~.+' },
        groupLabels: { tenant_id: 'acme' },
      },
    });
  });

  it('gives HA duplicate deliveries identical source and fingerprint', () => {
    const key = (a: NormalizedAlert) => `${a.source}:${a.fingerprint}`;
    const first = alertsOf(parseAlertmanager(amFiring)).map(key);
    const second = alertsOf(parseAlertmanager(clone(amFiring))).map(key);
    expect(second).toEqual(first);
  });

  it('matches a resolve to its firing alert and sets endsAt', () => {
    const resolved = only(parseAlertmanager(amResolved));
    expect(resolved).toMatchObject({ status: 'resolved', fingerprint: 'fb73ad415df8e757' });
    expect(resolved.endsAt?.toISOString()).toBe('2026-03-02T09:41:30.512Z');
  });

  it('computes the Alertmanager fingerprint when an older Alertmanager leaves it out', () => {
    const payload = clone(amFiring) as { alerts: { fingerprint?: string }[] };
    for (const alert of payload.alerts) delete alert.fingerprint;
    const fingerprints = alertsOf(parseAlertmanager(payload)).map((a) => a.fingerprint);
    expect(fingerprints).toEqual(['fb73ad415df8e757', '35fbda3828ac79a6']);
  });

  it('computes the fingerprint a real Alertmanager sent (captured from 0.25, max_alerts: 1)', () => {
    const payload = clone(amCaptured) as { alerts: { fingerprint?: string }[] };
    delete payload.alerts[0]!.fingerprint;
    expect(only(parseAlertmanager(payload)).fingerprint).toBe(amCaptured.alerts[0]!.fingerprint);
    expect(parseAlertmanager(amCaptured)).toMatchObject({ meta: { truncatedAlerts: 1 } });
  });

  it('keeps alerts with a malformed label set and notes the problems', () => {
    const [quota, nameless] = alertsOf(parseAlertmanager(amMalformed));
    expect(quota?.tenantId).toBeUndefined();
    expect(quota?.labels).toMatchObject({ shard: '7', tenant_id: 'Initech Corp' });
    expect(quota?.labels).not.toHaveProperty('owner');
    expect(quota?.problems).toEqual([
      'label shard has a number value; stored as "7"',
      'label owner has a null value; dropped',
      expect.stringContaining('not a valid tenant id'),
    ]);
    expect(nameless).toMatchObject({ name: 'unnamed-alert', problems: [expect.any(String)] });
    expect(groupKey(nameless!)).toBe('*/unnamed-alert');
  });

  it('masks personal data in summaries, descriptions, labels and problems, not in identifiers', () => {
    const payload = clone(amResolved) as unknown as {
      alerts: {
        labels: Record<string, string>;
        annotations: Record<string, string>;
        fingerprint?: string;
      }[];
    };
    const sent = payload.alerts[0]!;
    delete sent.fingerprint;
    sent.labels = {
      ...sent.labels,
      owner: 'jane.doe@example.com',
      pager: '+34 612 345 678',
      ip: '10.1.2.3',
    };
    sent.annotations = {
      summary: 'Call jane.doe@example.com about acme',
      description: 'or +34 612 345 678 from 10.1.2.3',
    };
    const alert = only(parseAlertmanager(payload));
    const text = JSON.stringify({ ...alert, raw: undefined });
    for (const pii of ['jane.doe@example.com', '612 345 678']) expect(text).not.toContain(pii);
    expect(alert.summary).toBe('Call j***@example.com about acme');
    expect(alert.annotations.description).toContain('10.1.2.3');
    expect(alert.labels).toMatchObject({
      alertname: 'TenantErrorRateHigh',
      tenant_id: 'acme',
      ip: '10.1.2.3',
    });
    expect(alert.tenantId).toBe('acme');
    expect(alert.fingerprint).toBe(labelFingerprint(sent.labels));
    const badTenant = clone(amResolved);
    badTenant.alerts[0]!.labels.tenant_id = 'jane.doe@example.com';
    expect(JSON.stringify(only(parseAlertmanager(badTenant)).problems)).not.toContain('jane.doe');
  });

  it('masks a PagerDuty summary that names a person, keeping the dedup_key exact', () => {
    const event = clone(pdTrigger);
    event.payload.summary = 'Quota alert, owner maria.garcia@example.com';
    event.dedup_key = 'quota/maria.garcia@example.com';
    const alert = only(parsePagerDuty(event, { receivedAt }));
    expect(alert.summary).toBe('Quota alert, owner m***@example.com');
    expect(alert.fingerprint).toBe('quota/maria.garcia@example.com');
  });

  it('reads the tenant from configured labels', () => {
    const payload = clone(amResolved);
    const labels = payload.alerts[0]!.labels as Record<string, string>;
    delete labels.tenant_id;
    labels.customer = 'umbrella';
    expect(only(parseAlertmanager(payload, { tenantLabels: ['customer'] })).tenantId).toBe(
      'umbrella',
    );
  });

  it.each([
    ['3', 'unsupported Alertmanager webhook version "3"; expected "4"'],
    [undefined, 'version is required'],
  ])('refuses version %s, naming the version field', (version, message) => {
    const payload: Record<string, unknown> = { ...clone(amFiring), version };
    expect(parseAlertmanager(payload)).toEqual({ ok: false, field: 'version', message });
  });

  type Payload = Record<string, unknown> & { alerts: Record<string, unknown>[] };
  it.each<[string, (p: Payload) => void]>([
    ['receiver', (p) => delete p.receiver],
    ['alerts', (p) => Object.assign(p, { alerts: 'none' })],
    ['alerts[1].status', (p) => delete p.alerts[1]!.status],
    ['alerts[0].labels', (p) => (p.alerts[0]!.labels = [])],
    ['alerts[0].startsAt', (p) => (p.alerts[0]!.startsAt = 'yesterday')],
  ])('names %s when it is missing or wrong', (field, breakIt) => {
    const payload = clone(amFiring) as unknown as Payload;
    breakIt(payload);
    expect(parseAlertmanager(payload)).toMatchObject({ ok: false, field });
  });

  it('says which field is required', () => {
    const { receiver: _receiver, ...payload } = clone(amFiring);
    expect(parseAlertmanager(payload)).toEqual({
      ok: false,
      field: 'receiver',
      message: 'receiver is required',
    });
  });

  it('refuses a body that is not an object', () => {
    expect(parseAlertmanager([amFiring])).toMatchObject({ ok: false, field: 'body' });
  });
});

describe('parseGrafana', () => {
  it('normalizes a Grafana Alerting webhook notification', () => {
    const alert = only(parseGrafana(grafanaFiring));
    expect(alert).toMatchObject({
      source: 'grafana',
      fingerprint: '8c1b3d0e44f1a9b2',
      name: 'TenantRLSDenied',
      tenantId: 'globex',
      status: 'firing',
      summary: 'Unexpected RLS-denied events for tenant globex',
      problems: [],
    });
    expect(alert.startsAt.toISOString()).toBe('2026-03-02T10:20:10.157Z');
    expect(parseGrafana(grafanaFiring)).toMatchObject({ meta: { orgId: 1, state: 'alerting' } });
  });

  it('names missing fields', () => {
    const { orgId: _orgId, ...noOrg } = clone(grafanaFiring);
    expect(parseGrafana(noOrg)).toMatchObject({ ok: false, field: 'orgId' });
    const noLabels = clone(grafanaFiring) as { alerts: Record<string, unknown>[] };
    delete noLabels.alerts[0]!.labels;
    expect(parseGrafana(noLabels)).toMatchObject({ ok: false, field: 'alerts[0].labels' });
  });

  it("reads Grafana's own published example (two platform alerts, Grafana's version 1)", () => {
    const result = parseGrafana(grafanaDocs);
    const [memory, cpu] = alertsOf(result);
    expect(memory).toMatchObject({
      source: 'grafana',
      fingerprint: 'c6eadffa33fcdf37',
      name: 'High memory usage',
      summary: 'This alert was triggered for zone us-1',
      labels: { team: 'blue', zone: 'us-1' },
      problems: [],
    });
    expect(memory?.tenantId).toBeUndefined();
    expect(memory?.startsAt.toISOString()).toBe('2021-10-12T07:51:03.157Z');
    expect(cpu).toMatchObject({ name: 'High CPU usage', fingerprint: 'bc97ff14869b13e3' });
    expect(result).toMatchObject({
      meta: {
        orgId: 1,
        receiver: 'My Super Webhook',
        title: '[FIRING:2]  (blue)',
        truncatedAlerts: 0,
      },
    });
  });

  it("normalizes an alert exactly as Alertmanager's parser does (same shape, same rules)", () => {
    const grafana = alertsOf(parseGrafana(grafanaFiring));
    const asAlertmanager = alertsOf(
      parseAlertmanager({ ...amFiring, alerts: grafanaFiring.alerts }),
    );
    const withoutSource = ({ source: _s, ...rest }: NormalizedAlert) => rest;
    expect(grafana.map(withoutSource)).toEqual(asAlertmanager.map(withoutSource));
  });

  it('refuses legacy dashboard-alert payloads with a hint', () => {
    const legacy = { ruleName: 'High CPU', state: 'alerting', evalMatches: [] };
    expect(parseGrafana(legacy)).toMatchObject({
      ok: false,
      field: 'alerts',
      message: expect.stringContaining('legacy'),
    });
  });
});

describe('parseDatadog', () => {
  it('reads the default payload: transition and tenant from the title, the monitor as identity', () => {
    const alert = only(parseDatadog(ddDefault));
    expect(alert).toMatchObject({
      source: 'datadog',
      fingerprint: expect.stringMatching(/^dd-[0-9a-f]{16}$/),
      status: 'firing',
      name: 'TenantErrorRateHigh',
      tenantId: 'acme',
      problems: [],
    });
    expect(alert.fingerprint).not.toBe(ddDefault.id);
    expect(alert.startsAt.toISOString()).toBe('2026-03-02T09:20:00.000Z');
  });

  it('matches a default-payload recovery to its trigger: title without prefixes, scope, org', () => {
    const trigger = only(parseDatadog(ddDefault));
    const recovery = only(parseDatadog(ddDefaultRecovered));
    expect(recovery).toMatchObject({ status: 'resolved', fingerprint: trigger.fingerprint });
    const docsTrigger = only(parseDatadog(ddDocsTriggered));
    const docsRecovery = only(parseDatadog(ddDocsRecovered));
    expect(docsTrigger).toMatchObject({ status: 'firing', name: 'Memory Alert', problems: [] });
    expect(docsRecovery).toMatchObject({
      status: 'resolved',
      fingerprint: docsTrigger.fingerprint,
    });
    // Warn, No Data and re-notifications are the same alert; priority prefixes don't matter.
    for (const title of [
      '[Warn on {tenant_id:acme}] TenantErrorRateHigh',
      '[No Data on {tenant_id:acme}] TenantErrorRateHigh',
      '[P1] [Re-Triggered on {tenant_id:acme}] TenantErrorRateHigh',
    ]) {
      expect(only(parseDatadog({ ...ddDefault, title })).fingerprint).toBe(trigger.fingerprint);
    }
  });

  it('keeps apart what the default payload tells apart: scope, monitor title, org, monitor id', () => {
    const base = only(parseDatadog(ddDefault)).fingerprint;
    const variants = [
      { title: '[Triggered on {tenant_id:globex}] TenantErrorRateHigh' },
      { title: '[Triggered on {tenant_id:acme}] TenantLatencyP99High' },
      { org: { id: '999', name: 'Other org' } },
      { alert_id: '98765432' },
    ];
    const prints = variants.map((v) => only(parseDatadog({ ...ddDefault, ...v })).fingerprint);
    expect(new Set([base, ...prints]).size).toBe(variants.length + 1);
  });

  it('identifies by monitor id when $ALERT_ID is sent, so a renamed monitor still recovers', () => {
    const trigger = only(parseDatadog({ ...ddDefault, alert_id: '42' }));
    const renamed = only(
      parseDatadog({
        ...ddDefaultRecovered,
        alert_id: '42',
        title: '[Recovered on {tenant_id:acme}] Renamed',
      }),
    );
    expect(renamed.fingerprint).toBe(trigger.fingerprint);
  });

  it('reads the scope the same from $ALERT_SCOPE and from the title', () => {
    const fromTitle = only(
      parseDatadog({
        ...ddDefault,
        title: '[Triggered on {env:prod,tenant_id:acme}] TenantErrorRateHigh',
      }),
    );
    const fromScope = only(
      parseDatadog({
        ...ddDefault,
        title: '[Triggered] TenantErrorRateHigh',
        alert_scope: 'tenant_id:acme, env:prod',
      }),
    );
    expect(fromScope.fingerprint).toBe(fromTitle.fingerprint);
  });

  it('uses the alert cycle key, scope and tags when the payload carries them', () => {
    const alert = only(parseDatadog(ddWithTags));
    expect(alert).toMatchObject({
      fingerprint: '7153498223101962874',
      name: 'TenantErrorRateHigh',
      tenantId: 'acme',
      severityHint: 'P1',
      labels: { env: 'prod', service: 'api', tenant_id: 'acme' },
      annotations: { monitor_id: '98765432', event_type: 'query_alert_monitor' },
      problems: [],
    });
  });

  it('matches a recovery to its trigger through the alert cycle key', () => {
    const trigger = only(parseDatadog(ddWithTags));
    const recovery = only(parseDatadog(ddRecovered));
    expect(recovery).toMatchObject({ status: 'resolved', fingerprint: trigger.fingerprint });
    expect(recovery.endsAt?.toISOString()).toBe('2026-03-02T09:50:00.000Z');
  });

  it('accepts tags as an array', () => {
    const payload = { ...clone(ddDefault), tags: ['tenant_id:globex', 'env:prod'] };
    payload.title = 'TenantQuotaNearLimit';
    expect(only(parseDatadog(payload))).toMatchObject({
      tenantId: 'globex',
      problems: [expect.stringContaining('taken as firing')],
    });
  });

  it('strips priority and transition prefixes from titles', () => {
    expect(monitorNameFromTitle('[P1] [Triggered] [Memory Alert]')).toBe('Memory Alert');
    expect(monitorNameFromTitle('[Re-Warn on {host:a}] Host is Down')).toBe('Host is Down');
  });

  it.each(['id', 'title', 'date'])('names %s when it is missing', (field) => {
    const payload: Record<string, unknown> = clone(ddDefault);
    delete payload[field];
    expect(parseDatadog(payload)).toEqual({
      ok: false,
      field,
      message: `${field} is required`,
    });
  });

  it('names date when it is not a time', () => {
    expect(parseDatadog({ ...ddDefault, date: 'soon' })).toMatchObject({ field: 'date' });
  });
});

describe('parsePagerDuty', () => {
  it('normalizes a trigger event, keyed by dedup_key', () => {
    const result = parsePagerDuty(pdTrigger, { receivedAt });
    const alert = only(result);
    expect(alert).toMatchObject({
      source: 'pagerduty',
      fingerprint: 'tenant-quota/initech/storage',
      status: 'firing',
      name: 'TenantQuotaNearLimit',
      tenantId: 'initech',
      severityHint: 'warning',
      summary: 'Storage usage for tenant initech at 93% of quota',
      labels: { tenant_id: 'initech', resource: 'storage', usage_ratio: '0.93' },
      annotations: { source: 'billing-worker-2.example.com', component: 'storage' },
      problems: [],
    });
    expect(alert.startsAt.toISOString()).toBe('2026-03-02T12:05:00.000Z');
    expect(alert.raw).toMatchObject({ routing_key: '[redacted]' });
    expect(result).toMatchObject({ meta: { eventAction: 'trigger', routingKeyHint: 'bcde' } });
  });

  it('maps acknowledge and resolve onto the same alert', () => {
    const ack = only(parsePagerDuty(pdAcknowledge, { receivedAt }));
    const resolve = only(parsePagerDuty(pdResolve, { receivedAt }));
    expect(ack).toMatchObject({
      status: 'acknowledged',
      fingerprint: 'tenant-quota/initech/storage',
    });
    expect(resolve).toMatchObject({ status: 'resolved', fingerprint: ack.fingerprint });
    expect(resolve.endsAt).toEqual(receivedAt);
  });

  it("reads PagerDuty's own published trigger, acknowledge and resolve examples", () => {
    const trigger = only(parsePagerDuty(pdDocsTrigger, { receivedAt }));
    expect(trigger).toMatchObject({
      fingerprint: 'samplekeyhere',
      status: 'firing',
      name: 'deploy',
      summary: 'Example alert on host1.example.com',
      severityHint: 'info',
      labels: { 'ping time': '1500ms', 'load avg': '0.75' },
      annotations: { component: 'postgres', group: 'prod-datapipe' },
      problems: [],
    });
    expect(trigger.tenantId).toBeUndefined();
    expect(trigger.startsAt.toISOString()).toBe('2015-07-17T08:42:58.315Z');
    expect(only(parsePagerDuty(pdDocsAcknowledge, { receivedAt }))).toMatchObject({
      status: 'acknowledged',
      fingerprint: 'dedupkeyhere',
    });
    expect(only(parsePagerDuty(pdDocsResolve, { receivedAt }))).toMatchObject({
      status: 'resolved',
      fingerprint: 'dedupkeyhere',
    });
  });

  it('derives a stable dedup_key for a trigger without one', () => {
    const { dedup_key: _key, ...event } = clone(pdTrigger);
    const first = parsePagerDuty(event, { receivedAt });
    const second = parsePagerDuty(clone(event), { receivedAt });
    expect(only(first).fingerprint).toMatch(/^derived-[0-9a-f]{16}$/);
    expect(only(second).fingerprint).toBe(only(first).fingerprint);
    expect(first).toMatchObject({ meta: { dedupKeyDerived: true } });
  });

  it.each([
    ['dedup_key', { routing_key: 'R0123', event_action: 'resolve' }],
    ['payload', { routing_key: 'R0123', event_action: 'trigger' }],
    ['event_action', { routing_key: 'R0123', event_action: 'escalate', dedup_key: 'k' }],
    ['routing_key', { event_action: 'resolve', dedup_key: 'k' }],
  ])('names %s when the event lacks it or has a bad one', (field, event) => {
    expect(parsePagerDuty(event)).toMatchObject({ ok: false, field });
  });

  it('names payload.severity when it is not a documented severity', () => {
    const event = clone(pdTrigger);
    event.payload.severity = 'high';
    expect(parsePagerDuty(event)).toMatchObject({ ok: false, field: 'payload.severity' });
  });
});
