import { startStack, storageUnderTest, type Stack } from '../support/stack';
import {
  ALERT_CONFIG,
  amPayload,
  countRows,
  eventually,
  fixture,
  postAlerts,
  rows,
} from '../support/alert-helpers';

jest.setTimeout(90_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ configYaml: ALERT_CONFIG });
});

afterAll(async () => {
  await stack?.stop();
});

const stored = () => countRows(stack, 'SELECT count(*) AS n FROM alert_payloads');

function threadFor(text: string) {
  return stack.emulator.waitFor(
    () => stack.emulator.messagesIn('C0INCIDENTS').find((m) => m.text.includes(text)),
    15_000,
  );
}

describe(`alert receivers refuse bad requests and store nothing (${storageUnderTest()} storage)`, () => {
  const good = amPayload([{ labels: { alertname: 'TenantQuotaNearLimit', tenant_id: 'initech' } }]);

  it('answers 401 without a token or with a wrong one', async () => {
    for (const source of ['alertmanager', 'grafana', 'datadog', 'pagerduty']) {
      expect((await postAlerts(stack.url, source, good, { token: null })).status).toBe(401);
      const wrong = await postAlerts(stack.url, source, good, {
        token: 'alert-token-0123456789abcdeX',
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe('unauthorized');
    }
    expect(await stored()).toBe(0);
  });

  it('answers 400 naming the field for a wrong content type, invalid JSON, a missing field, an unknown version', async () => {
    const wrongType = await postAlerts(stack.url, 'alertmanager', good, {
      contentType: 'text/plain',
    });
    expect(wrongType).toMatchObject({
      status: 400,
      body: { error: 'invalid_content_type', field: 'content-type' },
    });
    const badJson = await postAlerts(stack.url, 'grafana', '{"alerts": [', {});
    expect(badJson).toMatchObject({ status: 400, body: { error: 'invalid_json', field: 'body' } });
    const { receiver: _r, ...noReceiver } = good;
    expect(await postAlerts(stack.url, 'alertmanager', noReceiver)).toMatchObject({
      status: 400,
      body: { field: 'receiver', message: 'receiver is required' },
    });
    const v3 = await postAlerts(stack.url, 'alertmanager', { ...good, version: '3' });
    expect(v3).toMatchObject({ status: 400, body: { field: 'version' } });
    expect(String(v3.body.message)).toContain('unsupported Alertmanager webhook version "3"');
    const { orgId: _o, ...noOrg } = fixture('grafana-firing');
    expect(await postAlerts(stack.url, 'grafana', noOrg)).toMatchObject({
      status: 400,
      body: { field: 'orgId' },
    });
    const { id: _i, ...noId } = fixture('datadog-default');
    expect(await postAlerts(stack.url, 'datadog', noId)).toMatchObject({
      status: 400,
      body: { field: 'id' },
    });
    const pd = { ...fixture('pagerduty-trigger'), event_action: 'escalate' };
    expect(await postAlerts(stack.url, 'pagerduty', pd)).toMatchObject({
      status: 400,
      body: { field: 'event_action' },
    });
    expect(await stored()).toBe(0);
  });

  it('answers 413 for a body over 1 MB', async () => {
    const big = amPayload([
      {
        labels: { alertname: 'TenantQuotaNearLimit', tenant_id: 'initech' },
        summary: 'x'.repeat(1024 * 1024),
      },
    ]);
    const res = await postAlerts(stack.url, 'alertmanager', big);
    expect(res).toMatchObject({ status: 413, body: { error: 'payload_too_large', field: 'body' } });
    expect(await stored()).toBe(0);
  });
});

describe(`alert receivers accept each source and open a tenant-aware thread (${storageUnderTest()} storage)`, () => {
  it('Alertmanager: 202, and a thread in the incident channel', async () => {
    const res = await postAlerts(
      stack.url,
      'alertmanager',
      amPayload([
        {
          labels: { alertname: 'TenantQuotaNearLimit', tenant_id: 'hooli', resource: 'storage' },
          summary: 'hooli storage at 93%',
        },
      ]),
    );
    expect(res).toMatchObject({ status: 202, body: { status: 'accepted', alerts: 1 } });
    const thread = await threadFor('hooli');
    expect(thread.text).toContain('TenantQuotaNearLimit');
    expect(JSON.stringify(thread.blocks)).toContain('hooli storage at 93%');
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toContain(
      'tenantops_alerts_received_total{source="alertmanager",tenant="hooli",status="firing"} 1',
    );
  });

  it('Grafana: an RLS-denied alert opens a P1 security incident suggesting tenant-leak-response', async () => {
    expect((await postAlerts(stack.url, 'grafana', fixture('grafana-firing'))).status).toBe(202);
    const [incident] = await eventually(
      async () => {
        const found = await rows<{
          id: string;
          severity: string;
          security: boolean;
          channel_id: string | null;
          declared_by: string;
        }>(stack, `SELECT * FROM incidents WHERE 'globex' = ANY (tenant_ids)`);
        return found[0]?.channel_id && found[0].security ? found : undefined;
      },
      20_000,
      'globex incident',
    );
    expect(incident).toMatchObject({ severity: 'P1', security: true, declared_by: 'alertmanager' });
    const channel = incident?.channel_id as string;
    expect(stack.emulator.workspace.channels.get(channel)?.isPrivate).toBe(true);
    const msg = await stack.emulator.waitFor(
      () =>
        stack.emulator
          .messagesIn(channel)
          .find((m) => m.text.includes('/runbook run tenant-leak-response globex')),
      15_000,
    );
    expect(msg.text).toContain('*TenantRLSDenied* · tenant *globex* · 1 of 1 firing · INC-');
  });

  it('Datadog: a triggered monitor for a tenant becomes its thread', async () => {
    const dd = {
      ...fixture('datadog-default'),
      title: '[Triggered on {tenant_id:umbrella}] TenantQuotaNearLimit',
      alert_cycle_key: 'cycle-umbrella-1',
    };
    expect((await postAlerts(stack.url, 'datadog', dd)).status).toBe(202);
    const thread = await threadFor('umbrella');
    expect(thread.text).toContain('TenantQuotaNearLimit');
  });

  it('PagerDuty: a trigger becomes a thread and stores no routing key', async () => {
    expect((await postAlerts(stack.url, 'pagerduty', fixture('pagerduty-trigger'))).status).toBe(
      202,
    );
    const thread = await threadFor('initech');
    expect(thread.text).toContain('TenantQuotaNearLimit');
    const raw = await rows<{ raw: unknown }>(
      stack,
      `SELECT raw FROM alert_payloads WHERE source = 'pagerduty'`,
    );
    expect(JSON.stringify(raw)).not.toContain('R0123456789abcdef');
  });
});
