// `/incident update` is per tenant (reach `each`): posted for the tenants the actor may update,
// the others skipped, named and audited; `tenant=x` needs the role on x. Only the updated
// tenants' SLA clocks move, in a transaction scoped to them.
import { postIncidentUpdate } from '../../src/app/incident-actions';
import type { SlaClock } from '../../src/domain/sla/sla-clock';
import { clone } from '../support/fakes/memory-db';
import {
  actorScope,
  attempt,
  cells,
  coveredFor,
  expected,
  expectOnlyOwnRowsWritten,
  expectRefused,
  expectSkippedAudited,
  sees,
  tenantsOf,
  tenantsScope,
  writeScopes,
} from '../support/fakes/access-cases';
import { ACTORS, makeWorld, type World } from '../support/fakes/world';

const clocksOf = (clocks: SlaClock[], tenant: string) => clocks.filter((c) => c.tenant === tenant);

/** The updated tenants' clocks were reset; every other tenant's are exactly as before. */
function expectClocksMovedFor(
  w: World,
  before: SlaClock[],
  tenants: readonly string[],
  updated: readonly string[],
) {
  const after = w.db.tables.clocks;
  for (const t of tenants) {
    if (!updated.includes(t)) {
      expect({ tenant: t, clocks: clocksOf(after, t) }).toEqual({
        tenant: t,
        clocks: clocksOf(before, t),
      });
      continue;
    }
    expect(clocksOf(after, t).map((c) => `${c.kind} ${c.status}`)).toEqual([
      'first_response met',
      'update pending',
    ]);
  }
}

describe('an update without tenant= applies to the tenants the actor may update', () => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    const before = clone(w.db.tables.clocks);
    const result = await attempt(() =>
      postIncidentUpdate(w.incidents, w.actor(actor), {
        ref: incident.number,
        text: 'Rolling back',
      }),
    );
    const want = expected('each', actor, tenants);
    if (result.outcome === 'refused') {
      expect(want).toBe('refused');
      expectRefused(w, actor, { action: 'view', incident: incident.number, tenants: [] });
      return;
    }
    const covered = coveredFor(actor, tenants);
    const skipped = tenants.filter((t) => !covered.includes(t));
    expect(result.value.skipped.length > 0 ? 'partial' : 'done').toBe(want);
    expect({ tenants: result.value.tenants, skipped: result.value.skipped }).toEqual({
      tenants: covered,
      skipped,
    });
    expectSkippedAudited(w, actor, 'update', incident.number, skipped);
    // The entry belongs to the updated tenants: a skipped tenant never sees it.
    const entry = w.db.tables.timeline.filter((r) => r.kind === 'update');
    expect(entry.map((r) => r.tenants)).toEqual([covered]);
    expect(w.notifier.posts()).toEqual([
      {
        kind: 'update',
        actor: ACTORS[actor].user,
        text: 'Rolling back',
        ...(skipped.length ? { tenants: covered } : {}),
      },
    ]);
    // The update in the actor's scope, then the clock reset scoped to the updated tenants.
    expect(writeScopes(w)).toEqual([actorScope(actor), tenantsScope(covered)]);
    expectClocksMovedFor(w, before, tenants, covered);
    expectOnlyOwnRowsWritten(w, actor);
    expect(w.log.errors()).toEqual([]);
  });
});

describe('an update with tenant= needs the role on that tenant', () => {
  it.each(cells())('actor %s on the %s incident, naming its first tenant', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    const named = tenants[0]!;
    const before = clone(w.db.tables.clocks);
    const result = await attempt(() =>
      postIncidentUpdate(w.incidents, w.actor(actor), {
        ref: incident.number,
        tenant: named,
        text: 'Acme only',
      }),
    );
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(
      expected('each', actor, [named]),
    );
    if (result.outcome === 'refused') {
      const visible = sees(actor, tenants);
      expectRefused(w, actor, {
        action: visible ? 'update' : 'view',
        incident: incident.number,
        tenants: visible ? [named] : [],
      });
      return;
    }
    expect(result.value).toMatchObject({ tenants: [named], skipped: [] });
    expect(w.audit.denials(ACTORS[actor].user)).toEqual([]);
    expect(w.db.tables.timeline.filter((r) => r.kind === 'update').map((r) => r.tenants)).toEqual([
      [named],
    ]);
    expect(writeScopes(w)).toEqual([actorScope(actor), tenantsScope([named])]);
    expectClocksMovedFor(w, before, tenants, [named]);
    expectOnlyOwnRowsWritten(w, actor);
  });

  it('refuses a tenant the incident does not affect, writing nothing', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme');
    await expect(
      postIncidentUpdate(w.incidents, w.actor('platform'), {
        ref: incident.number,
        tenant: 'globex',
        text: 'Wrong tenant',
      }),
    ).rejects.toThrow("`globex` isn't affected by");
    expect(writeScopes(w)).toEqual([]);
  });
});

describe('a role that may not update', () => {
  it('refuses a scribe and audits it, though a scribe sees the incident', async () => {
    const w = makeWorld();
    w.db.seed((t) => t.roleBindings.push({ user: 'U0SCRIBE', tenant: 'acme', role: 'scribe' }));
    const incident = await w.seed('shared');
    const result = await attempt(() =>
      postIncidentUpdate(w.incidents, { user: 'U0SCRIBE' }, { ref: incident.number, text: 'Hi' }),
    );
    expect(result.outcome).toBe('refused');
    expect(w.audit.denials('U0SCRIBE')).toMatchObject([
      { action: 'update', tenantIds: ['acme', 'globex'], incident: incident.number },
    ]);
    expect(writeScopes(w)).toEqual([]);
  });
});
