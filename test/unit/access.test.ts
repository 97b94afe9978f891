import { allows, visibleTenants, type RoleBinding } from '../../src/domain/access/access';

const alice: RoleBinding[] = [
  { user: 'U0ALICE', tenant: 'acme', role: 'commander' },
  { user: 'U0ALICE', tenant: 'globex', role: 'comms' },
];
const bob: RoleBinding[] = [{ user: 'U0BOB', tenant: '*', role: 'approver' }];

describe('access', () => {
  it('gives a role on tenant A nothing on tenant B', () => {
    expect(allows(alice, 'resolve', ['acme'])).toBe(true);
    expect(allows(alice, 'resolve', ['initech'])).toBe(false);
    expect(allows(alice, 'resolve', ['globex'])).toBe(false);
    expect(allows(alice, 'update', ['globex'])).toBe(true);
  });

  it('lets a role on any one of the incident tenants act', () => {
    expect(allows(alice, 'acknowledge', ['initech', 'acme'])).toBe(true);
  });

  it('applies platform-wide bindings to every tenant, but only for their role', () => {
    expect(allows(bob, 'view', ['initech'])).toBe(true);
    expect(allows(bob, 'resolve', ['initech'])).toBe(false);
    expect(visibleTenants(bob)).toBe('*');
    expect(visibleTenants(alice)).toEqual(['acme', 'globex']);
    expect(visibleTenants([])).toEqual([]);
  });
});
