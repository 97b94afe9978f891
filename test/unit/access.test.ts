import {
  allows,
  deniedReason,
  splitByRole,
  visibleTenants,
  type RoleBinding,
} from '../../src/domain/access/access';

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

  it("needs the role on every tenant to change an incident's shared state", () => {
    expect(allows(alice, 'acknowledge', ['initech', 'acme'])).toBe(false);
    expect(allows(alice, 'acknowledge', ['globex', 'acme'])).toBe(true);
    expect(allows(alice, 'resolve', ['acme', 'globex'])).toBe(false); // comms can't resolve globex
    expect(deniedReason(alice, 'resolve', ['acme', 'globex'])).toBe(
      'needs commander on every tenant it affects, and you have none on globex',
    );
  });

  it('applies per-tenant actions to the tenants the role covers and names the rest', () => {
    expect(allows(alice, 'update', ['acme', 'initech'])).toBe(true);
    expect(splitByRole(alice, 'update', ['acme', 'initech', 'globex'])).toEqual({
      allowed: ['acme', 'globex'],
      denied: ['initech'],
    });
    expect(splitByRole(alice, 'notify', ['initech'])).toEqual({ allowed: [], denied: ['initech'] });
  });

  it('lets a reader with a role on one tenant of an incident view it', () => {
    expect(allows(alice, 'view', ['initech', 'globex'])).toBe(true);
    expect(allows(alice, 'view', ['initech'])).toBe(false);
  });

  it('applies platform-wide bindings to every tenant, but only for their role', () => {
    expect(allows(bob, 'view', ['initech'])).toBe(true);
    expect(allows(bob, 'resolve', ['initech'])).toBe(false);
    expect(visibleTenants(bob)).toBe('*');
    expect(visibleTenants(alice)).toEqual(['acme', 'globex']);
    expect(visibleTenants([])).toEqual([]);
  });
});
