// Declaring needs a role on every tenant named; an unknown tenant reads like one that isn't
// yours. The incident is written in a transaction scoped to the tenants named.
import { declareIncident } from '../../src/app/declare-incident';
import {
  attempt,
  CLOCKS_FOLLOW,
  coveredFor,
  expected,
  expectOnlyOwnRowsWritten,
  expectRefused,
  tenantsScope,
  writeScopes,
} from '../support/fakes/access-cases';
import { ACTOR_NAMES, ACTORS, makeWorld } from '../support/fakes/world';

const NAMED = [['acme'], ['globex'], ['acme', 'globex'], ['acme', 'initech']];

const declare = (
  w: ReturnType<typeof makeWorld>,
  actor: (typeof ACTOR_NAMES)[number],
  tenants: string[],
) =>
  attempt(() =>
    declareIncident(w.incidents, w.actor(actor), {
      severity: 'P2',
      tenants,
      title: 'Checkout errors',
    }),
  );

describe('declare', () => {
  it.each(ACTOR_NAMES.flatMap((a) => NAMED.map((t) => [a, t.join('+'), t] as const)))(
    'actor %s naming %s',
    async (actor, _label, tenants) => {
      const w = makeWorld();
      const result = await declare(w, actor, tenants);
      const want = expected('every', actor, tenants);
      expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(want);
      if (result.outcome === 'refused') {
        const missing = tenants.filter((t) => coveredFor(actor, [t]).length === 0);
        expectRefused(w, actor, { action: 'declare', tenants: missing });
        expect(w.db.tables.incidents).toEqual([]);
        return;
      }
      expect(result.value.tenants).toEqual(tenants);
      // Created and placed in the named tenants' scope; the clocks follow as system work.
      expect(writeScopes(w)).toEqual([tenantsScope(tenants), tenantsScope(tenants), CLOCKS_FOLLOW]);
      expect(w.audit.entries).toEqual([
        expect.objectContaining({ action: 'declare', outcome: 'allowed', tenantIds: tenants }),
      ]);
      expectOnlyOwnRowsWritten(w, actor);
      expect(w.log.errors()).toEqual([]);
    },
  );

  it.each(['acme', 'globex', 'both', 'none'] as const)(
    'reads an unknown tenant like one %s has no role on',
    async (actor) => {
      const w = makeWorld();
      const unknown = await declare(w, actor, ['nosuch']);
      const notMine = await declare(w, actor, ['initech']);
      if (unknown.outcome !== 'refused' || notMine.outcome !== 'refused')
        throw new Error('not refused');
      expect(unknown.denied.message.replace('nosuch', 'X')).toBe(
        notMine.denied.message.replace('initech', 'X'),
      );
      expect(w.audit.denials(ACTORS[actor].user).map((r) => r.tenantIds)).toEqual([
        ['nosuch'],
        ['initech'],
      ]);
      expect(writeScopes(w)).toEqual([]);
    },
  );

  it('tells the platform actor a tenant is unknown, and writes nothing', async () => {
    const w = makeWorld();
    await expect(declare(w, 'platform', ['acme', 'nosuch'])).rejects.toThrow(
      'Unknown tenant `nosuch`',
    );
    expect(writeScopes(w)).toEqual([]);
    expect(w.db.tables.incidents).toEqual([]);
  });

  it('refuses a tenant id that could widen the scope before anything is read', async () => {
    const w = makeWorld();
    await expect(declare(w, 'platform', ['*'])).rejects.toThrow('"*" is not a tenant id');
    await expect(declare(w, 'platform', ['acme,globex'])).rejects.toThrow('is not a tenant id');
    expect(w.db.transactions).toEqual([]);
  });
});
