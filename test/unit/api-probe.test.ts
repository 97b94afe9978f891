import {
  judgeNoHeader,
  judgeOtherHeader,
  judgeOwnHeader,
  markersIn,
  verdictOf,
  type ProbeResult,
} from '../../src/domain/target/api-probe';

const res = (status: number, body = '') => ({ kind: 'response' as const, status, body });

describe('tenant-header probe judgements', () => {
  it('finds markers as whole tokens only', () => {
    expect(markersIn('{"tenant_id":"acme"}', ['acme'])).toEqual(['acme']);
    expect(markersIn('{"tenant_id":"acme-eu"}', ['acme'])).toEqual([]);
    expect(markersIn('{"tenant":"xacme"}', ['acme'])).toEqual([]);
    expect(markersIn('mail ana@acme.example', ['ana@acme.example', 'acme'])).toEqual([
      'ana@acme.example',
      'acme',
    ]);
  });

  it('without the header: 4xx passes, 2xx and 3xx fail, 5xx and no answer are errors', () => {
    expect(judgeNoHeader(res(401)).outcome).toBe('pass');
    expect(judgeNoHeader(res(404)).outcome).toBe('pass');
    expect(judgeNoHeader(res(200)).outcome).toBe('fail');
    expect(judgeNoHeader(res(302)).outcome).toBe('fail');
    expect(judgeNoHeader(res(502)).outcome).toBe('error');
    expect(judgeNoHeader({ kind: 'timeout', ms: 5000 })).toMatchObject({
      outcome: 'error',
      detail: 'timed out after 5000 ms: not a pass',
    });
    expect(judgeNoHeader({ kind: 'unreachable', message: 'ENOTFOUND' }).outcome).toBe('error');
  });

  it("with the tenant's own header: its data passes, anything else needs a person", () => {
    expect(judgeOwnHeader(res(200, '{"tenant_id":"acme"}'), 'acme', ['acme']).outcome).toBe('pass');
    expect(judgeOwnHeader(res(200, '{}'), 'acme', ['acme']).outcome).toBe('inconclusive');
    expect(judgeOwnHeader(res(403), 'acme', ['acme']).outcome).toBe('inconclusive');
    expect(judgeOwnHeader(res(500), 'acme', ['acme']).outcome).toBe('error');
  });

  it("with another tenant's header: refused or clean passes, this tenant's data fails", () => {
    expect(judgeOtherHeader(res(404), 'acme', 'globex', ['acme']).outcome).toBe('pass');
    expect(
      judgeOtherHeader(res(200, '{"tenant_id":"globex"}'), 'acme', 'globex', ['acme']).outcome,
    ).toBe('pass');
    const leak = judgeOtherHeader(res(200, '[{"tenant_id":"acme"}]'), 'acme', 'globex', ['acme']);
    expect(leak).toMatchObject({ outcome: 'fail', markersFound: ['acme'] });
    expect(leak.detail).toContain('a cross-tenant leak');
    // A refusal that echoes the victim's data is still a leak.
    expect(
      judgeOtherHeader(res(403, 'no access to acme'), 'acme', 'globex', ['acme']).outcome,
    ).toBe('fail');
    expect(judgeOtherHeader(res(503), 'acme', 'globex', ['acme']).outcome).toBe('error');
  });

  it('gives the worst outcome as the verdict', () => {
    const r = (outcome: ProbeResult['outcome']): ProbeResult => ({
      probe: 'no_header',
      tenantHeader: null,
      outcome,
      detail: '',
    });
    expect(verdictOf([r('pass'), r('inconclusive'), r('error')])).toBe('error');
    expect(verdictOf([r('error'), r('fail')])).toBe('fail');
    expect(verdictOf([r('pass'), r('inconclusive')])).toBe('inconclusive');
    expect(verdictOf([r('pass')])).toBe('pass');
  });
});
