import {
  describeReading,
  parseInstantQuery,
  renderLoadQuery,
  summarizeLoad,
  type TenantLoad,
} from '../../src/domain/target/tenant-load';

describe('Prometheus instant query answers', () => {
  const vector = (...values: string[]) => ({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1, v] })) },
  });

  it('sums a vector, reads a scalar, and gives null for no series', () => {
    expect(parseInstantQuery(vector('1.5', '2'))).toEqual({ ok: true, value: 3.5 });
    expect(parseInstantQuery(vector())).toEqual({ ok: true, value: null });
    expect(
      parseInstantQuery({ status: 'success', data: { resultType: 'scalar', result: [1, '42'] } }),
    ).toEqual({ ok: true, value: 42 });
  });

  it('refuses errors, NaN samples and other result types', () => {
    expect(parseInstantQuery({ status: 'error', error: 'boom' })).toEqual({
      ok: false,
      message: 'boom',
    });
    expect(parseInstantQuery(vector('NaN'))).toMatchObject({ ok: false });
    expect(parseInstantQuery(vector('+Inf'))).toMatchObject({ ok: false });
    expect(
      parseInstantQuery({ status: 'success', data: { resultType: 'matrix', result: [] } }),
    ).toEqual({ ok: false, message: 'expected a vector or a scalar, got matrix' });
    expect(parseInstantQuery(undefined)).toMatchObject({ ok: false });
  });
});

describe('the load query and summary', () => {
  it('fills {tenant} and refuses a non-tenant id', () => {
    expect(renderLoadQuery('sum(x{tenant_id="{tenant}"}) + y{t="{tenant}"}', 'big-co')).toBe(
      'sum(x{tenant_id="big-co"}) + y{t="big-co"}',
    );
    expect(() => renderLoadQuery('x{t="{tenant}"}', 'a"}or vector(1)')).toThrow(/not a tenant id/);
  });

  it('summarizes alerts and rate, and leaves out the cut when the limit is above the rate', () => {
    const load: TenantLoad = {
      tenant: 'acme',
      since: new Date('2026-03-02T09:00:00Z'),
      alerts: [
        {
          name: 'A',
          status: 'resolved',
          severityHint: null,
          summary: '',
          startsAt: new Date(0),
          endsAt: null,
        },
      ],
      firing: 0,
      metrics: { status: 'ok', query: 'q', requestsPerMinute: 90, at: new Date(0) },
    };
    expect(summarizeLoad(load, 100)).toBe(
      'acme: no alert firing (1 resolved since 2026-03-02T09:00:00.000Z); request rate: 90 requests/min',
    );
    expect(
      describeReading({
        status: 'failed',
        query: 'q',
        reason: 'server_error',
        message: 'answered 503',
      }),
    ).toBe('request rate unknown: Prometheus server error (answered 503)');
  });
});
