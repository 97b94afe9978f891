// Security marking (reach `every`) and `/incident notified <tenant|all>` (reach `each`): the
// check and the SLA write are one transaction in the actor's scope, never platform-wide.
import { markSecurityIncident, recordNotified } from '../../src/app/sla-security';
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
  writeScopes,
} from '../support/fakes/access-cases';
import { ACTORS, makeWorld, NOW, type World } from '../support/fakes/world';

const securityClocks = (w: World) =>
  w.db.tables.clocks
    .filter((c) => c.kind === 'security_notify')
    .map((c) => `${c.tenant} ${c.status}`);

describe.each(['channel', 'thread'] as const)('marking a security incident (%s mode)', (mode) => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld({ mode });
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    const result = await attempt(() =>
      markSecurityIncident(w.sla, w.actor(actor), { ref: incident.number }),
    );
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(
      expected('every', actor, tenants),
    );
    if (result.outcome === 'refused') {
      const visible = sees(actor, tenants);
      expectRefused(w, actor, {
        action: visible ? 'security' : 'view',
        incident: incident.number,
        tenants: visible ? tenants : [],
      });
      expect(w.room.opened).toEqual([]);
      expect(securityClocks(w)).toEqual([]);
      return;
    }
    expect(securityClocks(w)).toEqual(tenants.map((t) => `${t} pending`));
    // Marked and clocks started in the actor's scope; in channel mode the move too.
    const moved = mode === 'channel';
    expect(writeScopes(w)).toEqual(
      moved ? [actorScope(actor), actorScope(actor)] : [actorScope(actor)],
    );
    expect(result.value.movedTo).toBe(moved ? `C0SEC${incident.number}` : undefined);
    expect(w.audit.entries).toEqual([
      expect.objectContaining({ action: 'security', outcome: 'allowed', tenantIds: tenants }),
    ]);
    expectOnlyOwnRowsWritten(w, actor);
  });
});

describe('recording notifications for all tenants', () => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind, { security: true });
    const tenants = tenantsOf(kind);
    const result = await attempt(() =>
      recordNotified(w.sla, w.actor(actor), { ref: incident.number, tenant: 'all' }),
    );
    const want = expected('each', actor, tenants);
    if (result.outcome === 'refused') {
      expect(want).toBe('refused');
      expectRefused(w, actor, { action: 'view', incident: incident.number, tenants: [] });
      expect(securityClocks(w)).toEqual(tenants.map((t) => `${t} pending`));
      return;
    }
    const covered = coveredFor(actor, tenants);
    const skipped = tenants.filter((t) => !covered.includes(t));
    expect(result.value.skipped.length > 0 ? 'partial' : 'done').toBe(want);
    expect({ tenants: result.value.tenants, skipped: result.value.skipped }).toEqual({
      tenants: covered,
      skipped,
    });
    // Only the covered tenants' clocks stop; a skipped tenant's keeps running.
    expect(securityClocks(w)).toEqual(
      tenants.map((t) => `${t} ${covered.includes(t) ? 'met' : 'pending'}`),
    );
    expect(writeScopes(w)).toEqual([actorScope(actor)]);
    expectSkippedAudited(w, actor, 'notify', incident.number, skipped);
    expect(w.audit.entries.filter((e) => e.outcome === 'allowed')).toEqual([
      expect.objectContaining({ action: 'notify', tenantIds: covered }),
    ]);
    expect(w.notifier.posts()).toEqual([
      { kind: 'notified', actor: ACTORS[actor].user, tenants: covered },
    ]);
    expectOnlyOwnRowsWritten(w, actor);
  });
});

describe('recording the notification of one tenant', () => {
  it.each(cells())('actor %s on the %s incident, naming its first tenant', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind, { security: true });
    const tenants = tenantsOf(kind);
    const named = tenants[0]!;
    const result = await attempt(() =>
      recordNotified(w.sla, w.actor(actor), { ref: incident.number, tenant: named }),
    );
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(
      expected('each', actor, [named]),
    );
    if (result.outcome === 'refused') {
      const visible = sees(actor, tenants);
      expectRefused(w, actor, {
        action: visible ? 'notify' : 'view',
        incident: incident.number,
        tenants: visible ? [named] : [],
      });
      expect(securityClocks(w)).toEqual(tenants.map((t) => `${t} pending`));
      return;
    }
    expect(result.value).toMatchObject({ tenants: [named], skipped: [] });
    expect(securityClocks(w)).toEqual(
      tenants.map((t) => `${t} ${t === named ? 'met' : 'pending'}`),
    );
    expect(writeScopes(w)).toEqual([actorScope(actor)]);
    expect(w.audit.denials(ACTORS[actor].user)).toEqual([]);
    expectOnlyOwnRowsWritten(w, actor);
  });

  it('refuses a second recording without writing or auditing a refusal', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme', { security: true });
    await recordNotified(w.sla, w.actor('acme'), { ref: incident.number, tenant: 'acme' });
    w.forget();
    await expect(
      recordNotified(w.sla, w.actor('acme'), { ref: incident.number, tenant: 'all' }),
    ).rejects.toThrow('already recorded');
    expect(writeScopes(w)).toEqual([]);
    expect(w.audit.entries).toEqual([]);
  });
});

describe('the check is made again in the writing transaction', () => {
  // Another person adds globex between the read that checks (1st transaction) and the write.
  const globexJoins = (w: World, number: number) =>
    w.db.interleave(2, (t) => {
      t.incidents.find((i) => i.number === number)!.tenants.push('globex');
      t.incidentTenants.push({
        incident: number,
        tenant: 'globex',
        addedAt: NOW,
        addedBy: 'U0ADMIN',
      });
    });

  it('refuses a marking once a tenant the actor has no role on has joined', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme');
    globexJoins(w, incident.number);
    const result = await attempt(() =>
      markSecurityIncident(w.sla, w.actor('acme'), { ref: incident.number }),
    );
    expect(result.outcome).toBe('refused');
    expectRefused(w, 'acme', {
      action: 'security',
      incident: incident.number,
      tenants: ['acme', 'globex'],
    });
    expect(securityClocks(w)).toEqual([]);
  });

  it('skips, names and audits a tenant that joined, on `notified all`', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme', { security: true });
    globexJoins(w, incident.number);
    const result = await recordNotified(w.sla, w.actor('acme'), {
      ref: incident.number,
      tenant: 'all',
    });
    expect(result).toMatchObject({ tenants: ['acme'], skipped: ['globex'] });
    expectSkippedAudited(w, 'acme', 'notify', incident.number, ['globex']);
    expect(writeScopes(w)).toEqual(['tenants acme']);
  });
});
