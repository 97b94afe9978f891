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

const inIncidents = (text: string) =>
  stack.emulator.messagesIn('C0INCIDENTS').filter((m) => m.text.includes(text));
const postsTo = (channel: string, text: string) =>
  stack.emulator
    .callsTo('chat.postMessage')
    .filter(
      (c) => c.args.channel === channel && String(c.args.text).includes(text) && c.status === 200,
    );

async function groupOf(key: string) {
  return eventually(
    async () =>
      (
        await rows<{
          id: string;
          message_ts: string | null;
          state: string;
          incident_id: string | null;
          channel_id: string | null;
        }>(stack, 'SELECT * FROM alert_groups WHERE group_key = $1 ORDER BY id DESC', [key])
      )[0],
    15_000,
    `group ${key}`,
  );
}

describe(`alert threads: dedup, grouping, resolve, tenants and rules (${storageUnderTest()} storage)`, () => {
  const quota = (tenant: string, resource: string) => ({
    labels: { alertname: 'TenantQuotaNearLimit', tenant_id: tenant, resource },
    summary: `${tenant} ${resource} above 90%`,
  });

  it('gives HA duplicates and retries one thread and one message', async () => {
    const body = amPayload([quota('hooli', 'storage'), quota('hooli', 'seats')]);
    const answers = await Promise.all(
      [1, 2, 3].map(() => postAlerts(stack.url, 'alertmanager', body)),
    );
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    await stack.emulator.waitFor(() => inIncidents('hooli')[0], 15_000);
    expect((await postAlerts(stack.url, 'alertmanager', body)).status).toBe(202);
    // A later alert of another tenant posted: the repeat before it was handled by then.
    await postAlerts(stack.url, 'alertmanager', amPayload([quota('initech', 'storage')]));
    await stack.emulator.waitFor(() => inIncidents('initech')[0], 15_000);
    expect(postsTo('C0INCIDENTS', 'hooli')).toHaveLength(1);
    // Four deliveries of two alerts: two events; the payloads' new counts say which brought them.
    const applied = await eventually(
      async () => {
        const found = await rows<{ new_count: number | null; pending: boolean }>(
          stack,
          `SELECT new_count, pending_events IS NOT NULL AS pending FROM alert_payloads
         WHERE raw::text LIKE '%hooli%' ORDER BY id`,
          [],
        );
        return found.length === 4 && found.every((r) => r.new_count !== null) ? found : undefined;
      },
      15_000,
      'hooli payloads applied',
    );
    expect(applied.map((r) => r.pending)).toEqual([false, false, false, false]);
    expect(applied.reduce((n, r) => n + Number(r.new_count), 0)).toBe(2);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM alert_events WHERE tenant_id = 'hooli' AND source = 'alertmanager'`,
      ),
    ).toBe(2);
    expect(
      await countRows(stack, `SELECT count(*) AS n FROM alert_groups WHERE tenant_id = 'hooli'`),
    ).toBe(1);
    expect(inIncidents('hooli')[0]?.text).toContain('2 of 2 firing');
  });

  it('adds a new alert of the same problem to the thread, and says so when all resolve', async () => {
    await postAlerts(stack.url, 'alertmanager', amPayload([quota('hooli', 'api_calls')]));
    const thread = await stack.emulator.waitFor(
      () => inIncidents('hooli').find((m) => m.text.includes('3 of 3 firing')),
      15_000,
    );
    await postAlerts(
      stack.url,
      'alertmanager',
      amPayload([{ ...quota('hooli', 'storage'), status: 'resolved' }]),
    );
    await stack.emulator.waitFor(
      () =>
        inIncidents('hooli').find((m) => m.ts === thread.ts && m.text.includes('2 of 3 firing')),
      15_000,
    );
    const rest = [quota('hooli', 'seats'), quota('hooli', 'api_calls')].map((a) => ({
      ...a,
      status: 'resolved' as const,
    }));
    await postAlerts(stack.url, 'alertmanager', amPayload(rest));
    const resolved = await stack.emulator.waitFor(
      () =>
        inIncidents('hooli').find(
          (m) => m.ts === thread.ts && m.text.includes('resolved (all 3 alerts)'),
        ),
      15_000,
    );
    expect(resolved.edited).toBeDefined();
    const notice = await stack.emulator.waitFor(
      () =>
        stack.emulator
          .messagesIn('C0INCIDENTS')
          .find(
            (m) =>
              m.thread_ts === thread.ts &&
              m.text.includes('All 3 alerts of *TenantQuotaNearLimit* resolved'),
          ),
      15_000,
    );
    expect(notice.ts).not.toBe(thread.ts);
    expect(postsTo('C0INCIDENTS', 'hooli')).toHaveLength(1);
  });

  it('records an unknown tenant id and surfaces it in a platform thread', async () => {
    await postAlerts(stack.url, 'alertmanager', amPayload([quota('nosuchco', 'storage')]));
    const thread = await stack.emulator.waitFor(() => inIncidents('nosuchco')[0], 15_000);
    expect(thread.text).toContain('unknown tenant `nosuchco`');
    expect(thread.text).toContain('is not a registered tenant');
    const [unknown] = await rows<{ tenant_id: string; alert_count: number }>(
      stack,
      'SELECT * FROM alert_unknown_tenants',
    );
    expect(unknown).toMatchObject({ tenant_id: 'nosuchco', alert_count: 1 });
    expect((await groupOf('?nosuchco/TenantQuotaNearLimit')).state).toBe('open');
  });

  it('keeps a payload with a malformed label set, noting the problem', async () => {
    expect(
      (await postAlerts(stack.url, 'alertmanager', fixture('alertmanager-malformed-labels')))
        .status,
    ).toBe(202);
    const thread = await stack.emulator.waitFor(
      () => inIncidents('*TenantQuotaNearLimit* · platform ·')[0],
      15_000,
    );
    expect(JSON.stringify(thread.blocks)).toContain('not a valid tenant id');
    const [event] = await rows<{ problems: string[] }>(
      stack,
      `SELECT problems FROM alert_events WHERE labels->>'tenant_id' = 'Initech Corp'`,
    );
    expect(event?.problems.join(' ')).toContain('label shard has a number value');
  });

  it('declares an incident by rule (TenantLatencyP99High → P2) and posts the alert in its channel', async () => {
    await postAlerts(
      stack.url,
      'alertmanager',
      amPayload([
        {
          labels: { alertname: 'TenantLatencyP99High', tenant_id: 'soylent' },
          summary: 'soylent p99 above 2s',
        },
      ]),
    );
    const group = await eventually(async () => {
      const g = await groupOf('soylent/TenantLatencyP99High');
      return g.incident_id && g.message_ts ? g : undefined;
    });
    const [incident] = await rows<{ severity: string; title: string; channel_id: string }>(
      stack,
      'SELECT * FROM incidents WHERE id = $1',
      [group.incident_id],
    );
    expect(incident).toMatchObject({
      severity: 'P2',
      title: 'TenantLatencyP99High: soylent p99 above 2s',
      channel_id: group.channel_id,
    });
    const timeline = await rows<{ kind: string; text: string }>(
      stack,
      'SELECT kind, text FROM timeline WHERE incident_id = $1 ORDER BY id',
      [group.incident_id],
    );
    expect(timeline.map((t) => t.kind)).toEqual(['declared', 'alert']);
  });

  it('attaches an alert for a tenant with an open incident to that incident', async () => {
    const declared = await (
      await stack.slash('declare P2 umbrella Checkout slow for Umbrella')
    ).reply();
    const n = Number(/INC-(\d+)/.exec(declared)?.[1]);
    const [incident] = await eventually(async () => {
      const found = await rows<{ channel_id: string | null }>(
        stack,
        'SELECT channel_id FROM incidents WHERE id = $1',
        [n],
      );
      return found[0]?.channel_id ? found : undefined;
    });
    await postAlerts(
      stack.url,
      'alertmanager',
      amPayload([
        {
          labels: { alertname: 'TenantErrorRateHigh', tenant_id: 'umbrella' },
          summary: 'umbrella 5xx at 4%',
        },
      ]),
    );
    const channel = incident?.channel_id as string;
    const msg = await stack.emulator.waitFor(
      () => stack.emulator.messagesIn(channel).find((m) => m.text.includes('TenantErrorRateHigh')),
      15_000,
    );
    expect(msg.text).toContain(`INC-${n}`);
    expect(
      await countRows(
        stack,
        `SELECT count(*) AS n FROM incidents WHERE 'umbrella' = ANY (tenant_ids)`,
      ),
    ).toBe(1);
    const timeline = await eventually(async () => {
      const t = await rows<{ kind: string; text: string }>(
        stack,
        `SELECT kind, text FROM timeline WHERE incident_id = $1 AND kind = 'alert'`,
        [n],
      );
      return t.length ? t : undefined;
    });
    expect(timeline[0]?.text).toContain(`TenantErrorRateHigh (1 firing) attached to INC-${n}`);
    expect(inIncidents('TenantErrorRateHigh')).toHaveLength(0);
  });
});
