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

const incidentsChannel = () => stack.emulator.messagesIn('C0INCIDENTS');

/** The thread message whose text contains `head`, once it also contains `state`. */
function threadSays(head: string, state: string, ts?: string) {
  return stack.emulator.waitFor(
    () =>
      incidentsChannel().find(
        (m) => m.text.includes(head) && m.text.includes(state) && (ts === undefined || m.ts === ts),
      ),
    15_000,
  );
}

async function accepted(source: string, body: unknown): Promise<void> {
  expect((await postAlerts(stack.url, source, body)).status).toBe(202);
}

async function alertRows(source: string, name: string) {
  return rows<{ status: string; starts_at: Date; fingerprint: string }>(
    stack,
    'SELECT status, starts_at, fingerprint FROM alerts WHERE source = $1 AND name = $2',
    [source, name],
  );
}

describe(`vendors' own published payloads, replayed (${storageUnderTest()} storage)`, () => {
  it('PagerDuty: an acknowledge shows as acknowledged and keeps its start; the resolve closes it', async () => {
    const trigger = fixture('pagerduty-docs-trigger');
    // PagerDuty's examples use different placeholder keys for a trigger and its follow-ups.
    const followUp = (name: string) => ({ ...fixture(name), dedup_key: trigger.dedup_key });
    await accepted('pagerduty', trigger);
    const thread = await threadSays('*deploy* · platform', '1 of 1 firing');

    await accepted('pagerduty', followUp('pagerduty-docs-acknowledge'));
    const acked = await threadSays('*deploy*', '1 of 1 acknowledged', thread.ts);
    expect(acked.text).toContain(':large_orange_circle:');
    expect(JSON.stringify(acked.blocks)).toContain(
      'Example alert on host1.example.com (load avg=0.75, ping time=1500ms) · acknowledged, since 08:42Z',
    );
    const [alert] = await alertRows('pagerduty', 'deploy');
    expect(alert).toMatchObject({ status: 'acknowledged', fingerprint: 'samplekeyhere' });
    expect(alert?.starts_at.toISOString()).toBe('2015-07-17T08:42:58.315Z');

    // A re-trigger while acknowledged leaves it acknowledged, as PagerDuty does.
    const again = { ...trigger, payload: { ...(trigger.payload as object), timestamp: undefined } };
    await accepted('pagerduty', again);
    await eventually(async () => {
      const n = await countRows(
        stack,
        `SELECT count(*) AS n FROM alert_payloads WHERE source = 'pagerduty' AND processed_at IS NOT NULL`,
      );
      return n === 3;
    });
    expect((await alertRows('pagerduty', 'deploy'))[0]?.status).toBe('acknowledged');

    await accepted('pagerduty', followUp('pagerduty-docs-resolve'));
    await threadSays('*deploy*', 'resolved (all 1 alert)', thread.ts);
    const [resolved] = await alertRows('pagerduty', 'deploy');
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.starts_at.toISOString()).toBe('2015-07-17T08:42:58.315Z');
  });

  it("Datadog's default payload: the recovery closes the alert its trigger opened", async () => {
    await accepted('datadog', fixture('datadog-docs-default-triggered'));
    const thread = await threadSays('*Memory Alert* · platform', '1 of 1 firing');
    await accepted('datadog', fixture('datadog-docs-default-recovered'));
    await threadSays('*Memory Alert*', 'resolved (all 1 alert)', thread.ts);
    await stack.emulator.waitFor(
      () =>
        incidentsChannel().find(
          (m) => m.thread_ts === thread.ts && m.text.includes('All 1 alert of *Memory Alert*'),
        ),
      15_000,
    );
    const alerts = await alertRows('datadog', 'Memory Alert');
    expect(alerts.map((a) => a.status)).toEqual(['resolved']);
  });

  it("Datadog's default payload per tenant: the scope tells alerts apart, a re-trigger keeps the start", async () => {
    const triggered = (tenant: string, date: string, transition = 'Triggered') => ({
      ...fixture('datadog-default'),
      title: `[${transition} on {tenant_id:${tenant}}] TenantQuotaNearLimit`,
      date,
      id: `${tenant}-${date}`,
    });
    await accepted('datadog', triggered('soylent', '1772443200000'));
    await accepted('datadog', triggered('initech', '1772443260000'));
    const soylent = await threadSays('*TenantQuotaNearLimit* · tenant *soylent*', '1 of 1 firing');
    await threadSays('*TenantQuotaNearLimit* · tenant *initech*', '1 of 1 firing');
    await accepted('datadog', triggered('soylent', '1772444100000', 'Re-Triggered'));
    await accepted('datadog', {
      ...fixture('datadog-default-recovered'),
      title: '[Recovered on {tenant_id:soylent}] TenantQuotaNearLimit',
    });
    await threadSays('tenant *soylent*', 'resolved (all 1 alert)', soylent.ts);
    const byTenant = await rows<{ tenant_id: string; status: string; starts_at: Date }>(
      stack,
      `SELECT tenant_id, status, starts_at FROM alerts WHERE source = 'datadog'
         AND name = 'TenantQuotaNearLimit' ORDER BY tenant_id`,
    );
    expect(byTenant.map((a) => [a.tenant_id, a.status])).toEqual([
      ['initech', 'firing'],
      ['soylent', 'resolved'],
    ]);
    expect(byTenant[1]?.starts_at.getTime()).toBe(1772443200000);
  });

  it("Grafana's published example: two platform alerts, each in its own thread", async () => {
    await accepted('grafana', fixture('grafana-docs-firing'));
    const memory = await threadSays('*High memory usage* · platform', '1 of 1 firing');
    const cpu = await threadSays('*High CPU usage* · platform', '1 of 1 firing');
    expect(JSON.stringify(memory.blocks)).toContain('This alert was triggered for zone us-1');
    expect(JSON.stringify(cpu.blocks)).toContain('(team=blue, zone=eu-1)');
  });
});

describe(`alert text is masked before Slack and the timeline see it (${storageUnderTest()} storage)`, () => {
  const email = 'jane.doe@example.com';
  const phone = '+34 612 345 678';

  it('masks an email and a phone in the summary, description and labels; keeps the IP', async () => {
    const body = amPayload([
      {
        labels: { alertname: 'TenantLatencyP99High', tenant_id: 'umbrella', owner: email },
        summary: `umbrella p99 above 2s on 10.20.30.40, call ${email} or ${phone}`,
      },
    ]);
    const [sent] = body.alerts as { annotations: Record<string, string> }[];
    sent!.annotations.description = `Escalate to ${email} / ${phone}`;
    await accepted('alertmanager', body);
    const [group] = await eventually(async () => {
      const found = await rows<{ incident_id: string | null; message_ts: string | null }>(
        stack,
        `SELECT incident_id, message_ts FROM alert_groups WHERE group_key = 'umbrella/TenantLatencyP99High'`,
      );
      return found[0]?.incident_id && found[0].message_ts ? found : undefined;
    });
    const incident = Number(group?.incident_id);
    const timeline = await eventually(async () => {
      const t = await rows<{ kind: string; text: string }>(
        stack,
        'SELECT kind, text FROM timeline WHERE incident_id = $1 ORDER BY id',
        [incident],
      );
      return t.some((e) => e.kind === 'alert') ? t : undefined;
    });
    const posted = stack.emulator.calls.find((c) =>
      JSON.stringify(c.args).includes('*TenantLatencyP99High* · tenant *umbrella*'),
    );
    // Positive signals first: the masked text and the IP did reach Slack and the incident.
    expect(JSON.stringify(posted?.args)).toContain('call j***@example.com');
    expect(JSON.stringify(posted?.args)).toContain('10.20.30.40');
    const [title] = await rows<{ title: string }>(
      stack,
      'SELECT title FROM incidents WHERE id = $1',
      [incident],
    );
    expect(title?.title).toContain('j***@example.com');
    const stored = await rows<{ summary: string; labels: unknown; annotations: unknown }>(
      stack,
      `SELECT summary, labels, annotations FROM alerts WHERE group_key = 'umbrella/TenantLatencyP99High'`,
    );
    for (const seen of [
      JSON.stringify(stack.emulator.calls.map((c) => c.args)),
      JSON.stringify(timeline),
      JSON.stringify(title),
      JSON.stringify(stored),
    ]) {
      expect(seen).not.toContain(email);
      expect(seen).not.toContain('612 345 678');
    }
  });
});
