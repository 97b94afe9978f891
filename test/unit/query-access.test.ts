// Reading (reach `any`): status needs a role on one of the incident's tenants and shows only
// their timeline entries; lists show only the actor's tenants' incidents. Nothing is written.
import { postIncidentUpdate } from '../../src/app/incident-actions';
import {
  incidentStatus,
  listIncidents,
  listTenants,
  tenantStatus,
} from '../../src/app/incident-queries';
import {
  attempt,
  cells,
  coveredFor,
  expected,
  expectRefused,
  tenantsOf,
  writeScopes,
} from '../support/fakes/access-cases';
import { ACTOR_NAMES, ACTORS, makeWorld } from '../support/fakes/world';

describe('status', () => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    // One entry per tenant, each posted by the platform actor for that tenant alone.
    for (const tenant of tenants)
      await postIncidentUpdate(w.incidents, w.actor('platform'), {
        ref: incident.number,
        tenant,
        text: `For ${tenant}`,
      });
    w.forget();
    const result = await attempt(() =>
      incidentStatus(w.incidents, w.actor(actor), incident.number),
    );
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(expected('any', actor, tenants));
    if (result.outcome === 'refused') {
      expectRefused(w, actor, { action: 'view', incident: incident.number, tenants: [] });
      return;
    }
    const updates = result.value.timeline.filter((e) => e.kind === 'update').map((e) => e.text);
    expect(updates).toEqual(coveredFor(actor, tenants).map((t) => `Update (${t}): For ${t}`));
    expect(w.db.writeTransactions()).toEqual([]);
    expect(w.audit.entries).toEqual([]);
  });
});

describe('list', () => {
  it.each(ACTOR_NAMES)('%s sees the incidents of their tenants only', async (actor) => {
    const w = makeWorld();
    const acme = await w.seed('acme');
    const globex = await w.seed('globex');
    const shared = await w.seed('shared');
    const open = await listIncidents(w.incidents, w.actor(actor));
    const mine = [shared, globex, acme].filter((i) => coveredFor(actor, i.tenants).length > 0);
    expect(open.map((i) => i.number)).toEqual(mine.map((i) => i.number));
    // Naming a tenant filters; it never widens what the actor sees.
    const named = await listIncidents(w.incidents, w.actor(actor), 'acme');
    expect(named.map((i) => i.number)).toEqual(
      mine.filter((i) => i.tenants.includes('acme')).map((i) => i.number),
    );
    expect(w.db.writeTransactions()).toEqual([]);
  });

  it.each(ACTOR_NAMES)('%s lists only tenants they hold a role on', async (actor) => {
    const w = makeWorld();
    const tenants = await listTenants(w.incidents, w.actor(actor));
    const mine = ACTORS[actor].tenants;
    expect(tenants.map((t) => t.id)).toEqual(mine === '*' ? ['acme', 'globex', 'initech'] : mine);
  });

  it.each(ACTOR_NAMES)(
    '%s gets the status of a tenant they hold a role on, else nothing',
    async (actor) => {
      const w = makeWorld();
      const incident = await w.seed('shared');
      for (const tenant of ['acme', 'globex', 'initech']) {
        const status = await tenantStatus(w.incidents, w.actor(actor), tenant);
        if (coveredFor(actor, [tenant]).length === 0) {
          expect({ tenant, status }).toEqual({ tenant, status: undefined });
          continue;
        }
        expect(status?.tenant.id).toBe(tenant);
        expect(status?.open.map((i) => i.number)).toEqual(
          tenant === 'initech' ? [] : [incident.number],
        );
      }
      expect(writeScopes(w)).toEqual([]);
    },
  );
});
