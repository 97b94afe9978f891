import amFiring from '../fixtures/alerts/alertmanager-firing.json';
import grafanaFiring from '../fixtures/alerts/grafana-firing.json';
import pdTrigger from '../fixtures/alerts/pagerduty-trigger.json';
import ddWithTags from '../fixtures/alerts/datadog-with-tags.json';
import {
  DEFAULT_ALERT_RULES,
  alertRulesSchema,
  decideAction,
  type AlertRule,
} from '../../src/domain/alerts/alert-rules';
import type { NormalizedAlert } from '../../src/domain/alerts/normalized-alert';
import { parseAlertmanager } from '../../src/domain/alerts/parse-alertmanager';
import { parseGrafana } from '../../src/domain/alerts/parse-grafana';
import { parsePagerDuty } from '../../src/domain/alerts/parse-pagerduty';
import { parseDatadog } from '../../src/domain/alerts/parse-datadog';

function alert(overrides: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'alertmanager',
    fingerprint: '0000000000000001',
    status: 'firing',
    name: 'SomethingElse',
    labels: {},
    annotations: {},
    summary: 'something',
    startsAt: new Date('2026-03-02T09:00:00Z'),
    problems: [],
    raw: {},
    ...overrides,
  };
}

function rules(config: unknown): AlertRule[] {
  return alertRulesSchema.parse(config);
}

describe('decideAction with the default rules', () => {
  it.each([
    ['TenantLatencyP99High', { kind: 'declare', severity: 'P2', security: false }],
    ['TenantErrorRateHigh', { kind: 'declare', severity: 'P1', security: false }],
    ['TenantQuotaNearLimit', { kind: 'thread' }],
    [
      'TenantRLSDenied',
      { kind: 'declare', severity: 'P1', security: true, suggestRunbook: 'tenant-leak-response' },
    ],
  ])('maps %s as the seed runbook says', (name, expected) => {
    expect(decideAction(alert({ name }), DEFAULT_ALERT_RULES)).toEqual(expected);
  });

  it('posts an alert no rule matches in a thread only', () => {
    expect(decideAction(alert({ name: 'NodeDiskFull' }))).toEqual({ kind: 'thread' });
  });

  it('decides on parsed alerts from every source', () => {
    const parsed = [
      parseAlertmanager(amFiring),
      parseGrafana(grafanaFiring),
      parsePagerDuty(pdTrigger),
      parseDatadog(ddWithTags),
    ].flatMap((result) => (result.ok ? result.alerts : []));
    expect(parsed.map((a) => [a.source, decideAction(a).kind])).toEqual([
      ['alertmanager', 'declare'],
      ['alertmanager', 'declare'],
      ['grafana', 'declare'],
      ['pagerduty', 'thread'],
      ['datadog', 'declare'],
    ]);
    expect(decideAction(parsed[2]!)).toMatchObject({ security: true });
  });
});

describe('configured alert rules', () => {
  const configured = rules([
    { match: { alertname: 'TenantErrorRateHigh' }, action: 'declare', severity: 'P1' },
    { match: { severity: 'info' }, action: 'ignore' },
    {
      match: { alertname: ['NodeDown', 'NodeUnreachable'], env: 'prod' },
      action: 'declare',
      severity: 'P3',
    },
  ]);

  it('defaults security to false', () => {
    expect(decideAction(alert({ name: 'TenantErrorRateHigh' }), configured)).toEqual({
      kind: 'declare',
      severity: 'P1',
      security: false,
    });
  });

  it('lets the first matching rule win', () => {
    const infoErrors = alert({ name: 'TenantErrorRateHigh', labels: { severity: 'info' } });
    expect(decideAction(infoErrors, configured)).toMatchObject({ kind: 'declare' });
    expect(decideAction(alert({ labels: { severity: 'info' } }), configured)).toEqual({
      kind: 'ignore',
    });
  });

  it('matches severity against the severity hint when there is no severity label', () => {
    const pagerDutyInfo = alert({ source: 'pagerduty', severityHint: 'info' });
    expect(decideAction(pagerDutyInfo, configured)).toEqual({ kind: 'ignore' });
  });

  it('requires every key to match and accepts any listed value', () => {
    const prodNode = alert({ name: 'NodeUnreachable', labels: { env: 'prod' } });
    const stagingNode = alert({ name: 'NodeUnreachable', labels: { env: 'staging' } });
    expect(decideAction(prodNode, configured)).toMatchObject({ kind: 'declare', severity: 'P3' });
    expect(decideAction(stagingNode, configured)).toEqual({ kind: 'thread' });
  });

  it('matches on source', () => {
    const bySource = rules([{ match: { source: 'datadog' }, action: 'ignore' }]);
    expect(decideAction(alert({ source: 'datadog' }), bySource)).toEqual({ kind: 'ignore' });
    expect(decideAction(alert({ source: 'grafana' }), bySource)).toEqual({ kind: 'thread' });
  });

  it('rejects a declare rule without a severity, naming the path', () => {
    const result = alertRulesSchema.safeParse([{ match: { alertname: 'X' }, action: 'declare' }]);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([0, 'severity']);
  });

  it('rejects unknown actions and severities', () => {
    expect(alertRulesSchema.safeParse([{ match: {}, action: 'page' }]).success).toBe(false);
    expect(
      alertRulesSchema.safeParse([{ match: {}, action: 'declare', severity: 'P0' }]).success,
    ).toBe(false);
  });

  it('accepts the default rules as configuration', () => {
    expect(rules(DEFAULT_ALERT_RULES)).toEqual(DEFAULT_ALERT_RULES);
  });
});
