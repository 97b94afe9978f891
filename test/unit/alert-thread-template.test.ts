import {
  renderAlertThread,
  renderResolvedNotice,
  type AlertThreadView,
} from '../../templates/alert-thread';
import { renderDeliveryFailures } from '../../templates/delivery-failures';

const base: AlertThreadView = {
  name: 'TenantQuotaNearLimit',
  tenantId: 'acme',
  state: 'open',
  firing: 2,
  acknowledged: 0,
  total: 3,
  security: false,
  alerts: [
    {
      status: 'firing',
      summary: 'storage at 93%',
      labels: { alertname: 'TenantQuotaNearLimit', tenant_id: 'acme', resource: 'storage' },
      startsAt: new Date('2026-03-02T10:00:00Z'),
      problems: [],
    },
    {
      status: 'resolved',
      summary: 'seats at 91%',
      labels: { resource: 'seats' },
      startsAt: new Date('2026-03-02T09:00:00Z'),
      endsAt: new Date('2026-03-02T09:30:00Z'),
      problems: [],
    },
  ],
};

describe('alert thread message', () => {
  it('says what fires, for which tenant, with the distinguishing labels only', () => {
    const { text, blocks } = renderAlertThread(base);
    expect(text).toContain(':red_circle: *TenantQuotaNearLimit* · tenant *acme* · 2 of 3 firing');
    const body = JSON.stringify(blocks);
    expect(body).toContain('storage at 93% (resource=storage) · since 10:00Z');
    expect(body).toContain('seats at 91% (resource=seats) · resolved 09:30Z');
    expect(body).not.toContain('tenant_id=');
    expect(body).toContain('…and 1 more');
  });

  it('says when the problem is over', () => {
    expect(renderAlertThread({ ...base, state: 'resolved', firing: 0 }).text).toContain(
      ':white_check_mark: *TenantQuotaNearLimit* · tenant *acme* · resolved (all 3 alerts)',
    );
  });

  it('shows acknowledged alerts as acknowledged, keeping their start', () => {
    const acked = {
      ...base.alerts[0]!,
      status: 'acknowledged' as const,
      startsAt: new Date('2026-03-02T12:05:00Z'),
    };
    const only = renderAlertThread({
      ...base,
      firing: 0,
      acknowledged: 1,
      total: 1,
      alerts: [acked],
    });
    expect(only.text).toContain(
      ':large_orange_circle: *TenantQuotaNearLimit* · tenant *acme* · 1 of 1 acknowledged',
    );
    expect(only.text).not.toContain('firing');
    expect(JSON.stringify(only.blocks)).toContain(
      ':large_orange_circle: storage at 93% (resource=storage) · acknowledged, since 12:05Z',
    );
    const mixed = renderAlertThread({ ...base, firing: 1, acknowledged: 1, total: 3 });
    expect(mixed.text).toContain(
      ':red_circle: *TenantQuotaNearLimit* · tenant *acme* · 1 firing, 1 acknowledged of 3',
    );
  });

  it('escapes <, > and & of alert text and keeps its own markup', () => {
    const { text, blocks } = renderAlertThread({
      ...base,
      name: 'Errors<>&Co',
      alerts: [
        {
          ...base.alerts[0]!,
          summary: 'p99 > 2s & rising <!channel> <https://evil.example|click>',
          labels: { path: '/api?a=1&b=<2>' },
          problems: ['label <x> & more'],
        },
      ],
    });
    const body = JSON.stringify(blocks);
    expect(text).toContain(':red_circle: *Errors&lt;&gt;&amp;Co* · tenant *acme*');
    expect(body).toContain(
      'p99 &gt; 2s &amp; rising &lt;!channel&gt; &lt;https://evil.example|click&gt; (path=/api?a=1&amp;b=&lt;2&gt;)',
    );
    expect(body).toContain(':warning: label &lt;x&gt; &amp; more');
    for (const raw of ['<!channel>', '<https://evil', '& rising', 'b=<2>']) {
      expect(body).not.toContain(raw);
    }
  });

  it('says in the thread when every alert resolved, escaping the name', () => {
    expect(
      renderResolvedNotice({ name: 'Latency > 2s <!here>', total: 3, incident: 'INC-4' }),
    ).toBe(':white_check_mark: All 3 alerts of *Latency &gt; 2s &lt;!here&gt;* resolved. (INC-4)');
    expect(renderResolvedNotice({ name: 'Memory Alert', total: 1 })).toBe(
      ':white_check_mark: All 1 alert of *Memory Alert* resolved.',
    );
  });

  it('never cuts an escaped entity in half', () => {
    const summary = `${'x'.repeat(2880)}&&&&&&&&&&`; // the second &amp; straddles the cut
    const { blocks } = renderAlertThread({
      ...base,
      total: 1,
      alerts: [{ ...base.alerts[0]!, summary, labels: {} }],
    });
    const section = (blocks[1] as { text: { text: string } }).text.text;
    expect(section.length).toBeLessThanOrEqual(2900);
    expect(section).toMatch(/&amp;$/);
  });

  it('names the incident, the runbook to run and security handling', () => {
    const { text } = renderAlertThread({
      ...base,
      name: 'TenantRLSDenied',
      incident: 'INC-7',
      severity: 'P1',
      security: true,
      suggestRunbook: 'tenant-leak-response',
    });
    expect(text).toContain('· INC-7 P1');
    expect(text).toContain('/runbook run tenant-leak-response acme');
    expect(text).toContain(':lock: Security incident');
  });

  it('flags an unknown tenant id and notes label problems', () => {
    const view = {
      ...base,
      tenantId: undefined,
      claimedTenant: 'nosuch',
      alerts: [{ ...base.alerts[0]!, problems: ['label shard has a number value; stored as "7"'] }],
    };
    const { text } = renderAlertThread(view);
    expect(text).toContain('unknown tenant `nosuch`');
    expect(text).toContain('`nosuch` is not a registered tenant');
    expect(text).toContain('label shard has a number value');
  });

  it('renders failed deliveries for /incident status, or nothing', () => {
    expect(renderDeliveryFailures([], 0)).toEqual([]);
    const [line] = renderDeliveryFailures(
      [
        {
          failedAt: new Date('2026-03-02T10:05:00Z'),
          method: 'chat.postMessage',
          error: 'is_archived',
        },
      ],
      2,
    );
    expect(line).toContain('2 Slack messages not delivered');
    expect(line).toContain('`chat.postMessage` at 10:05Z: is_archived');
  });
});
