import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, parseConfigText } from '../../src/config/load-config';
import { configureMasking, maskPersonalData } from '../../src/domain/masking';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantops-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('loads the shipped example with its three demo tenants, in console mode, with no env at all', () => {
    const config = loadConfig({}, dir);
    expect(config.file.tenants.map((t) => t.id)).toEqual(['acme', 'globex', 'initech']);
    expect(new Set(config.file.tenants.map((t) => t.plan)).size).toBe(3);
    expect(config.slackMode).toBe('console');
    expect(config.env.PORT).toBe(3000);
    expect(config.env.WORKER_NICE).toBe(10);
    expect(loadConfig({ WORKER_NICE: '0' }, dir).env.WORKER_NICE).toBe(0);
    expect(config.dataDir).toBe(path.join(dir, '.tenantops'));
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ SLACK_BOT_TOKEN: 'xoxp-user-token' }, 'SLACK_BOT_TOKEN'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET'],
    [{ SLACK_APP_TOKEN: 'xapp-1' }, 'SLACK_BOT_TOKEN'],
    [{ ALERT_WEBHOOK_TOKEN: 'short' }, 'ALERT_WEBHOOK_TOKEN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WORKER_NICE: '20' }, 'WORKER_NICE'],
    [{ WORKER_NICE: '-5' }, 'WORKER_NICE'],
    [{ TENANTOPS_CONFIG: 'missing.yaml' }, 'TENANTOPS_CONFIG'],
  ])('refuses env %j naming %s', (env, key) => {
    expect(errorOf(() => loadConfig(env as NodeJS.ProcessEnv, dir))).toContain(key);
  });

  it('chooses Slack mode from the tokens', () => {
    expect(
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret-123' }, dir).slackMode,
    ).toBe('http');
    expect(
      loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }, dir).slackMode,
    ).toBe('socket');
  });

  it.each([
    [
      'slaPolicies: { default: { P1: { firstResponse: 30m, updateEvery: PT1H } } }',
      'slaPolicies.default.P1.firstResponse',
    ],
    [
      'slaPolicies: { default: { P7: { firstResponse: PT1M, updateEvery: PT1H } } }',
      'slaPolicies.default',
    ],
    ['tenants: [{ id: ACME, name: Acme }]', 'tenants.0.id'],
    ['tenants: [{ id: acme, name: A }, { id: acme, name: B }]', 'tenants.1.id'],
    ['roles: [{ user: U0X, tenant: nowhere, role: commander }]', 'roles.0.tenant'],
    ['roles: [{ user: alice, tenant: "*", role: commander }]', 'roles.0.user'],
    ['roles: [{ user: U0X, tenant: "*", role: boss }]', 'roles.0.role'],
    ['incidents: { mode: thread }', 'incidentChannel'],
    ['postmortem: { timezone: Mars/Olympus }', 'postmortem.timezone'],
    ['postmortem: { holidays: [25-12-2026] }', 'postmortem.holidays.0'],
    ['unknownKey: 1', 'unknownKey'],
    ["masking: { patterns: [{ name: 'Customer ID', regex: x }] }", 'masking.patterns.0.name'],
    ["masking: { patterns: [{ name: c, regex: 'CUST-(' }] }", 'masking.patterns.0.regex'],
    [
      String.raw`masking: { patterns: [{ name: a, regex: 'A-\d+' }, { name: b, regex: '(\w+\s?)*$' }] }`,
      'masking.patterns.1.regex',
    ],
    ["masking: { patterns: [{ name: e, regex: 'x*' }] }", 'masking.patterns.0.regex'],
    ['target: { probePath: health }', 'target.probePath'],
    ["target: { probePath: '/x?y=1' }", 'target.probePath'],
    ["target: { loadQuery: 'sum(rate(http_requests_total[5m]))' }", 'target.loadQuery'],
    ['target: { prometheusUrl: prometheus:9090 }', 'target.prometheusUrl'],
  ])('refuses %s naming %s', (yaml, key) => {
    expect(errorOf(() => parseConfigText(yaml, 'test.yaml'))).toContain(key);
  });

  it("masks with the example file's masking.patterns once they are configured", () => {
    const { patterns } = loadConfig({}, dir).file.masking;
    expect(patterns).toEqual([{ name: 'customer-id', regex: String.raw`CUST-\d{6,}` }]);
    try {
      configureMasking(patterns);
      expect(maskPersonalData('refund for CUST-0012345 (ana@acme.io)')).toBe(
        'refund for [customer-id] (a***@acme.io)',
      );
    } finally {
      configureMasking([]);
    }
  });

  it('says why a masking pattern is refused', () => {
    expect(
      errorOf(() =>
        parseConfigText("masking: { patterns: [{ name: c, regex: 'CUST-(' }] }", 'test.yaml'),
      ),
    ).toMatch(/masking\.patterns\.0\.regex: not a valid regular expression: .*group/i);
    expect(
      errorOf(() =>
        parseConfigText("masking: { patterns: [{ name: c, regex: '(a+)+b' }] }", 'test.yaml'),
      ),
    ).toContain('masking.patterns.0.regex: a repeated group contains a repetition');
  });

  it('defaults the probe path and the load query, and needs GATEWAY_SIGNING_SECRET with target.gatewayUrl', async () => {
    const { target } = loadConfig({}, dir).file;
    expect(target.probePath).toBe('/');
    expect(target.loadQuery).toContain('{tenant}');
    const file = path.join(dir, 'gateway.yaml');
    await writeFile(file, 'target: { gatewayUrl: https://gateway.internal/tenantops }');
    expect(errorOf(() => loadConfig({ TENANTOPS_CONFIG: file }, dir))).toContain(
      'GATEWAY_SIGNING_SECRET: required when target.gatewayUrl is set',
    );
    expect(
      errorOf(() => loadConfig({ TENANTOPS_CONFIG: file, GATEWAY_SIGNING_SECRET: 'short' }, dir)),
    ).toContain('GATEWAY_SIGNING_SECRET');
    const ok = loadConfig({ TENANTOPS_CONFIG: file, GATEWAY_SIGNING_SECRET: 'x'.repeat(32) }, dir);
    expect(ok.file.target.gatewayUrl).toBe('https://gateway.internal/tenantops');
  });

  it('needs VAULT_TOKEN with VAULT_ADDR', () => {
    expect(errorOf(() => loadConfig({ VAULT_ADDR: 'http://127.0.0.1:8200' }, dir))).toContain(
      'VAULT_TOKEN: required with VAULT_ADDR',
    );
    const ok = loadConfig({ VAULT_ADDR: 'http://127.0.0.1:8200', VAULT_TOKEN: 'hvs.x' }, dir);
    expect(ok.env.VAULT_ADDR).toBe('http://127.0.0.1:8200');
  });

  it('reads JSON config files too', async () => {
    const file = path.join(dir, 'c.json');
    await writeFile(
      file,
      JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme', plan: 'gold' }] }),
    );
    expect(loadConfig({ TENANTOPS_CONFIG: file }, dir).file.tenants[0]?.plan).toBe('gold');
  });
});
