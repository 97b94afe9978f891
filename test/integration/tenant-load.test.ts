import { PrometheusMetrics } from '../../src/adapters/http/prometheus-metrics';
import { migrate } from '../../src/adapters/postgres/migrator';
import { PgAccessStore } from '../../src/adapters/postgres/pg-access-store';
import { PgAlertIntake } from '../../src/adapters/postgres/pg-alert-intake';
import { PgAlertStore } from '../../src/adapters/postgres/pg-alert-store';
import { PgTenantAlerts } from '../../src/adapters/postgres/pg-tenant-alerts';
import { makeTenantLoadSource } from '../../src/app/tenant-load';
import { parseAlertmanager } from '../../src/domain/alerts/parse-alertmanager';
import { summarizeLoad } from '../../src/domain/target/tenant-load';
import { amPayload, type AlertSpec } from '../support/alert-helpers';
import { closedPort } from '../support/closed-port';
import { PrometheusEmulator } from '../support/prometheus-emulator';
import { openTestDatabase, type TestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

const QUERY = 'sum(rate(http_requests_total{tenant_id="{tenant}"}[5m])) * 60';
const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();

describe("a tenant's recent load: its alerts and its Prometheus request rate", () => {
  let t: TestDatabase;
  let prom: PrometheusEmulator;
  const clock = { now: () => new Date() };

  /** Alerts in through the real intake and apply path, as the alert worker stores them. */
  async function receive(alerts: AlertSpec[]): Promise<void> {
    const body = amPayload(alerts);
    const parsed = parseAlertmanager(body);
    if (!parsed.ok) throw new Error('bad fixture');
    const { payloadId } = await new PgAlertIntake(t.db).store({
      source: 'alertmanager',
      receivedAt: new Date(),
      rawJson: JSON.stringify(body),
      problems: [],
      alerts: parsed.alerts,
    });
    await new PgAlertStore(t.db).applyPayloads([payloadId], {
      decide: () => ({ kind: 'thread' }),
      now: new Date(),
    });
  }

  beforeAll(async () => {
    t = await openTestDatabase();
    await migrate(t.db);
    await new PgAccessStore(t.db).syncFromConfig(
      ['acme', 'globex'].map((id) => ({ id, name: id, plan: 'default', commsChannel: null })),
      [],
    );
    await receive([
      { labels: { alertname: 'TenantHighLatency', tenant_id: 'acme' }, startsAt: ago(10) },
      {
        labels: { alertname: 'Tenant5xxRate', tenant_id: 'acme' },
        status: 'resolved',
        startsAt: ago(40),
        endsAt: ago(20),
      },
      {
        labels: { alertname: 'TenantQuota', tenant_id: 'acme' },
        status: 'resolved',
        startsAt: ago(300),
        endsAt: ago(180),
      },
      { labels: { alertname: 'TenantHighLatency', tenant_id: 'globex' }, startsAt: ago(5) },
    ]);
    prom = await new PrometheusEmulator().start();
    prom.answers.set(QUERY.replace('{tenant}', 'acme'), [300.5, 200]);
  });

  afterAll(async () => {
    await prom?.stop();
    await t?.close();
  });

  afterEach(() => {
    prom.mode = 'ok';
  });

  const metrics = (over: Partial<ConstructorParameters<typeof PrometheusMetrics>[0]> = {}) =>
    new PrometheusMetrics({ url: prom.url, query: QUERY, timeoutMs: 800, ...over });

  it("shows the tenant's alerts of the last hour and its request rate, and what a limit would cut", async () => {
    const load = await makeTenantLoadSource({
      alerts: new PgTenantAlerts(t.db),
      metrics: metrics(),
      clock,
    }).recentLoad('acme');
    expect(load.alerts.map((a) => [a.name, a.status])).toEqual([
      ['TenantHighLatency', 'firing'],
      ['Tenant5xxRate', 'resolved'],
    ]);
    expect(load.firing).toBe(1);
    expect(load.metrics).toMatchObject({
      status: 'ok',
      query: 'sum(rate(http_requests_total{tenant_id="acme"}[5m])) * 60',
      requestsPerMinute: 500.5,
    });
    expect(prom.queries.at(-1)).toBe('sum(rate(http_requests_total{tenant_id="acme"}[5m])) * 60');
    expect(summarizeLoad(load, 100)).toBe(
      'acme: 1 alert firing (TenantHighLatency); request rate: 501 requests/min; rpm=100 would refuse about 80% of its current requests',
    );
  });

  it("never shows another tenant's alerts, and works without Prometheus", async () => {
    const load = await makeTenantLoadSource({ alerts: new PgTenantAlerts(t.db), clock }).recentLoad(
      'globex',
    );
    expect(load.alerts.map((a) => a.name)).toEqual(['TenantHighLatency']);
    expect(load.metrics).toEqual({ status: 'not_configured' });
    expect(summarizeLoad(load)).toContain('no Prometheus configured');
  });

  it('says when the query matched nothing', async () => {
    const r = await metrics().requestsPerMinute('globex');
    expect(r).toMatchObject({ status: 'ok', requestsPerMinute: null });
  });

  it("reports each of Prometheus' failures with its reason, never as a number", async () => {
    const cases: [PrometheusEmulator['mode'], string, RegExp][] = [
      ['query_timeout', 'timeout', /timed out in Prometheus: query timed out/],
      ['unavailable', 'server_error', /answered 503: Service Unavailable/],
      ['execution_error', 'bad_query', /refused the query \(422: query processing/],
      ['proxy_502', 'server_error', /^answered 502$/],
      ['hang', 'timeout', /no answer within 800 ms/],
    ];
    for (const [mode, reason, message] of cases) {
      prom.mode = mode;
      const r = await metrics().requestsPerMinute('acme');
      expect(r).toMatchObject({ status: 'failed', reason });
      expect((r as { message: string }).message).toMatch(message);
    }
    prom.mode = 'ok';
    const bad = await metrics({
      query: 'sum(rate(http_requests_total{tenant_id="{tenant}"}[5m])',
    }).requestsPerMinute('acme');
    expect(bad).toMatchObject({ status: 'failed', reason: 'bad_query' });
    expect((bad as { message: string }).message).toMatch(
      /400: invalid parameter "query": .*unclosed/,
    );
    const down = await metrics({ url: `http://127.0.0.1:${await closedPort()}` }).requestsPerMinute(
      'acme',
    );
    expect(down).toMatchObject({
      status: 'failed',
      reason: 'unreachable',
      message: 'ECONNREFUSED',
    });
  });
});
