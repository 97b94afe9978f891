import { planApply, planUndo, type ControlHold } from '../../src/domain/target/control-holds';
import {
  currentValue,
  defaultControls,
  normalizeSetting,
  parseEndpointPath,
  parseRpm,
  withValue,
} from '../../src/domain/target/controls';
import { describeDelivery, gatewayBody } from '../../src/domain/target/gateway';

describe('endpoint paths for blocked_endpoints', () => {
  it.each([
    ['/api/v1/export', '/api/v1/export'],
    ['  /api/v1/export/  ', '/api/v1/export'],
    ['/', '/'],
    ['/api/v2/*', '/api/v2/*'],
    ['/files/%C3%A9t%C3%A9', '/files/%C3%A9t%C3%A9'],
    ['/users/:id/export', '/users/:id/export'],
  ])('accepts %j as %j', (text, path) => {
    expect(parseEndpointPath(text)).toBe(path);
  });

  it.each([
    ['api/v1', /must start with \//],
    ['/a b', /characters a URL path cannot/],
    ['/a"b', /characters a URL path cannot/],
    ['/x?y=1', /no query string/],
    ['/x#top', /no query string/],
    ['/a/../b', /\. and \.\. segments/],
    ['/a//b', /empty path segment/],
    ['/a%2', /%XX escape/],
    ['/a*/b', /trailing \/\*/],
    ['/api*', /trailing \/\*/],
    [`/${'a'.repeat(200)}`, /longer than 200/],
  ])('refuses %j', (text, message) => {
    expect(() => parseEndpointPath(text)).toThrow(message);
  });
});

describe('rpm and pool', () => {
  it('takes whole rpm from 1 to 1,000,000', () => {
    expect(parseRpm('600')).toBe(600);
    expect(parseRpm('1000000')).toBe(1_000_000);
    for (const bad of ['0', '1000001', '-5', '2.5', 'ten', ''])
      expect(() => parseRpm(bad)).toThrow(/rpm=/);
  });

  it('checks settings before anything is written', () => {
    expect(normalizeSetting({ kind: 'rate_limit', rpm: null })).toEqual({
      kind: 'rate_limit',
      rpm: null,
    });
    expect(() => normalizeSetting({ kind: 'rate_limit', rpm: 0 })).toThrow(/out of range/);
    expect(() => normalizeSetting({ kind: 'pool', pool: 'Big Pool' })).toThrow(/not a pool name/);
    expect(normalizeSetting({ kind: 'unblock_endpoint', path: '/x/' })).toEqual({
      kind: 'unblock_endpoint',
      path: '/x',
    });
  });
});

describe('control values', () => {
  it('reads and sets a key, endpoints as a set', () => {
    let c = defaultControls('acme');
    c = withValue(c, 'endpoint:/a', true);
    c = withValue(c, 'endpoint:/a', true);
    c = withValue(c, 'endpoint:/b', true);
    expect(c.blockedEndpoints).toEqual(['/a', '/b']);
    expect(currentValue(c, 'endpoint:/a')).toBe(true);
    c = withValue(c, 'endpoint:/a', false);
    expect(c.blockedEndpoints).toEqual(['/b']);
    c = withValue(withValue(c, 'rate_limit_rpm', 60), 'pool', 'isolated');
    expect([currentValue(c, 'rate_limit_rpm'), currentValue(c, 'pool')]).toEqual([60, 'isolated']);
  });
});

const hold = (
  h: string,
  seq: number,
  previous: ControlHold['previous'],
  applied: ControlHold['applied'],
): ControlHold => ({
  hold: h,
  key: 'rate_limit_rpm',
  previous,
  applied,
  seq,
});

describe('control holds', () => {
  it('records what was there the first time, and keeps that record on a retry', () => {
    expect(planApply([], 'RB-1', 500, 100)).toEqual({ record: true, write: true, previous: 500 });
    expect(planApply([hold('RB-1', 1, 500, 100)], 'RB-1', 100, 100)).toEqual({
      record: false,
      write: false,
      previous: 500,
    });
  });

  it('does not let a retried hold overwrite a later one', () => {
    const holds = [hold('RB-1', 1, null, 100), hold('RB-2', 2, 100, 50)];
    expect(planApply(holds, 'RB-1', 50, 100)).toEqual({
      record: false,
      write: false,
      previous: null,
    });
  });

  it('undo restores the value from before, passes it down to a later hold, or leaves an outside change', () => {
    const one = [hold('RB-1', 1, 500, 100)];
    expect(planUndo(one, 'RB-1', 100)).toEqual({ action: 'restore', value: 500, write: true });
    expect(planUndo(one, 'RB-1', 500)).toEqual({ action: 'restore', value: 500, write: false });
    expect(planUndo(one, 'RB-1', 7)).toEqual({
      action: 'changed_since',
      current: 7,
      previous: 500,
    });
    expect(planUndo(one, 'RB-9', 100)).toEqual({ action: 'none' });
    const two = [hold('RB-1', 1, null, 100), hold('RB-2', 2, 100, 50), hold('RB-3', 3, 50, 20)];
    expect(planUndo(two, 'RB-1', 20)).toEqual({ action: 'pass_down', to: two[1], previous: null });
  });
});

describe('the gateway body', () => {
  it('carries the change and the whole controls after it', () => {
    const body = JSON.parse(
      gatewayBody({
        id: 'e1',
        tenant: 'acme',
        action: 'apply',
        hold: 'RB-1',
        settings: [{ kind: 'rate_limit', rpm: 60 }],
        controls: { ...defaultControls('acme'), rateLimitRpm: 60, updatedAt: new Date(0) },
        at: new Date(1000),
      }),
    );
    expect(body).toEqual({
      type: 'tenantops.tenant_controls',
      id: 'e1',
      tenant_id: 'acme',
      action: 'apply',
      hold: 'RB-1',
      settings: [{ kind: 'rate_limit', rpm: 60 }],
      restored: [],
      controls: {
        read_only: false,
        rate_limit_rpm: 60,
        pool: null,
        blocked_endpoints: [],
        flags: {},
        updated_at: '1970-01-01T00:00:00.000Z',
      },
      at: '1970-01-01T00:00:01.000Z',
    });
  });

  it('says a failed delivery left the database change in place', () => {
    expect(
      describeDelivery({ status: 'failed', reason: 'server_error', httpStatus: 503, message: 'x' }),
    ).toMatch(/gateway NOT notified \(server_error 503\).*the database change stands/);
  });
});
