import { summarizeProbes } from '../../src/domain/target/api-probe';
import { TenantHeaderProbe } from '../../src/adapters/http/tenant-header-probe';
import { closedPort } from '../support/closed-port';
import { SaasApiEmulator } from '../support/saas-api-emulator';

jest.setTimeout(30_000);

describe('X-Tenant-ID probes against the SaaS API', () => {
  let saas: SaasApiEmulator;
  let probe: TenantHeaderProbe;

  beforeAll(async () => {
    saas = await new SaasApiEmulator({
      acme: [{ email: 'ana@acme.example' }],
      globex: [{ email: 'bo@globex.example' }],
    }).start();
    probe = new TenantHeaderProbe({ apiUrl: saas.url, probePath: '/v1/whoami', timeoutMs: 800 });
  });

  afterAll(async () => {
    await saas?.stop();
  });

  const outcomes = async (markers?: string[]) => {
    const r = await probe.probeTenantHeader('acme', 'globex', { markers });
    return { verdict: r.verdict, each: r.results.map((x) => [x.probe, x.outcome, x.status]), r };
  };

  it('passes a SaaS that refuses a missing header and keeps each tenant to its own data', async () => {
    saas.behaviour = 'compliant';
    const before = saas.seen.length;
    const { verdict, each, r } = await outcomes();
    expect(saas.seen.slice(before)).toEqual([null, 'acme', 'globex']);
    expect(verdict).toBe('pass');
    expect(each).toEqual([
      ['no_header', 'pass', 401],
      ['own_header', 'pass', 200],
      ['other_header', 'pass', 200],
    ]);
    expect(r.url).toBe(`${saas.url}/v1/whoami`);
    expect(summarizeProbes(r)).toMatch(/^X-Tenant-ID probes of .* for acme: PASS/);
  });

  it('fails a SaaS that serves requests without the header', async () => {
    saas.behaviour = 'serves_without_header';
    const { verdict, each, r } = await outcomes();
    expect(verdict).toBe('fail');
    expect(each[0]).toEqual(['no_header', 'fail', 200]);
    expect(r.results[0]!.detail).toContain('the tenant header is not enforced');
  });

  it("fails a SaaS that shows this tenant's data under another tenant's header", async () => {
    saas.behaviour = 'cross_tenant_leak';
    const { verdict, each, r } = await outcomes(['acme', 'ana@acme.example']);
    expect(verdict).toBe('fail');
    expect(each[2]).toEqual(['other_header', 'fail', 200]);
    expect(r.results[2]!.markersFound).toEqual(['acme', 'ana@acme.example']);
  });

  it('asks a person when the probe path does not show whose data it is', async () => {
    saas.behaviour = 'no_tenant_in_body';
    const { verdict, each } = await outcomes();
    expect(verdict).toBe('inconclusive');
    expect(each).toEqual([
      ['no_header', 'pass', 401],
      ['own_header', 'inconclusive', 200],
      ['other_header', 'pass', 200],
    ]);
  });

  it('reports 5xx, timeouts and an unreachable API as errors, never as passes', async () => {
    saas.behaviour = 'server_error';
    const five = await outcomes();
    expect(five.verdict).toBe('error');
    expect(five.each.map((e) => e[1])).toEqual(['error', 'error', 'error']);
    expect(five.r.results[0]!.detail).toBe('answered 503, a server error: not a pass');

    saas.behaviour = 'hang';
    const slow = await outcomes();
    expect(slow.verdict).toBe('error');
    expect(slow.r.results.map((x) => x.detail)).toEqual(
      Array(3).fill('timed out after 800 ms: not a pass'),
    );

    const down = new TenantHeaderProbe({ apiUrl: `http://127.0.0.1:${await closedPort()}` });
    const r = await down.probeTenantHeader('acme', 'globex');
    expect(r.verdict).toBe('error');
    expect(r.results[0]!.detail).toMatch(/^unreachable \(ECONNREFUSED\)/);
  });

  it('refuses bad tenant ids and probing a tenant against itself', async () => {
    await expect(probe.probeTenantHeader('ACME', 'globex')).rejects.toThrow(/not a tenant id/);
    await expect(probe.probeTenantHeader('acme', 'acme')).rejects.toThrow(/another tenant/);
  });
});
