import {
  activeCounts,
  alertGroupKey,
  isNewerState,
  newestPerAlert,
  placeKeyOf,
  resolveTenant,
} from '../../src/domain/alerts/alert-group';

const at = (iso: string) => new Date(iso);

describe('alert groups', () => {
  it('counts firing and acknowledged alerts apart', () => {
    expect(activeCounts({ firing: 2, acknowledged: 0 })).toBe('2 firing');
    expect(activeCounts({ firing: 0, acknowledged: 1 })).toBe('1 acknowledged');
    expect(activeCounts({ firing: 2, acknowledged: 1 })).toBe('2 firing, 1 acknowledged');
    expect(activeCounts({ firing: 0, acknowledged: 0 })).toBe('0 firing');
  });

  it('keys a tenant problem, a platform problem and an unknown tenant apart', () => {
    const known = new Set(['acme']);
    expect(alertGroupKey(resolveTenant('acme', known), 'TenantErrorRateHigh')).toBe(
      'acme/TenantErrorRateHigh',
    );
    expect(alertGroupKey(resolveTenant(undefined, known), 'DiskFull')).toBe('*/DiskFull');
    expect(alertGroupKey(resolveTenant('nosuch', known), 'DiskFull')).toBe('?nosuch/DiskFull');
  });

  it('places unknown tenants and platform alerts with the platform', () => {
    expect(placeKeyOf({ tenantId: 'acme' })).toBe('acme');
    expect(placeKeyOf({})).toBe('*');
  });

  it('lets a later firing cycle or a later status of the same cycle win, and nothing older', () => {
    const firing = { status: 'firing' as const, startsAt: at('2026-03-02T10:00:00Z') };
    const resolved = { status: 'resolved' as const, startsAt: at('2026-03-02T10:00:00Z') };
    const refired = { status: 'firing' as const, startsAt: at('2026-03-02T11:00:00Z') };
    expect(isNewerState(firing, undefined)).toBe(true);
    expect(isNewerState(resolved, firing)).toBe(true);
    expect(isNewerState(firing, resolved)).toBe(false);
    expect(isNewerState(firing, firing)).toBe(false);
    expect(isNewerState(refired, resolved)).toBe(true);
    expect(isNewerState(resolved, refired)).toBe(false);
  });

  it('keeps the newest state of each alert of a batch, in first-seen order', () => {
    const e = (fingerprint: string, status: 'firing' | 'resolved', id: number) => ({
      source: 'alertmanager',
      fingerprint,
      status,
      startsAt: at('2026-03-02T10:00:00Z'),
      id,
    });
    const kept = newestPerAlert([
      e('a', 'resolved', 1),
      e('b', 'firing', 2),
      e('a', 'firing', 3),
      e('b', 'resolved', 4),
    ]);
    expect(kept.map((k) => k.id)).toEqual([1, 4]);
  });
});
