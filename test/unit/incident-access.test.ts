// Access decisions of the actions on an incident's shared state (reach `every`): acknowledge,
// severity, role assignment, tenant add, mitigate, resolve. Each cell: outcome, audit rows, and
// the scope of every write (the actor's own; the SLA clocks' follow-up is system work).
import {
  acknowledgeIncident,
  addAffectedTenant,
  assignRole,
  changeSeverity,
  mitigateIncident,
  resolveIncident,
} from '../../src/app/incident-actions';
import type { Actor } from '../../src/app/incident-deps';
import type { Incident } from '../../src/domain/incidents/incident';
import {
  actorScope,
  attempt,
  cells,
  CLOCKS_FOLLOW,
  coveredFor,
  expected,
  expectOnlyOwnRowsWritten,
  expectRefused,
  sees,
  tenantsOf,
  writeScopes,
} from '../support/fakes/access-cases';
import {
  ACTOR_NAMES,
  ACTORS,
  INCIDENT_KIND_NAMES,
  makeWorld,
  type World,
} from '../support/fakes/world';

interface SharedStateAction {
  action: string;
  run: (w: World, actor: Actor, n: number) => Promise<Incident>;
  /** What the change did, to check it happened. */
  changed: (after: Incident) => unknown;
  /** System follow-ups that write (the SLA clocks). */
  follows: string[];
}

const ACTIONS: Record<string, SharedStateAction> = {
  acknowledge: {
    action: 'acknowledge',
    run: (w, a, n) => acknowledgeIncident(w.incidents, a, n),
    changed: (i) => i.state === 'acknowledged',
    follows: [],
  },
  'change severity': {
    action: 'change_severity',
    run: (w, a, n) => changeSeverity(w.incidents, a, n, 'P1'),
    changed: (i) => i.severity === 'P1',
    follows: [CLOCKS_FOLLOW],
  },
  'assign a role': {
    action: 'assign_role',
    run: (w, a, n) => assignRole(w.incidents, a, { ref: n, role: 'scribe', user: 'U0ADMIN' }),
    changed: (i) => i.roles.scribe === 'U0ADMIN',
    follows: [],
  },
  mitigate: {
    action: 'mitigate',
    run: (w, a, n) => mitigateIncident(w.incidents, a, n, 'Rolled back'),
    changed: (i) => i.state === 'mitigated',
    follows: [],
  },
  resolve: {
    action: 'resolve',
    run: (w, a, n) => resolveIncident(w.incidents, a, n, 'Fixed'),
    changed: (i) => i.state === 'resolved',
    follows: [CLOCKS_FOLLOW],
  },
};

describe.each(Object.entries(ACTIONS))('%s needs a role on every tenant', (_name, spec) => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    const result = await attempt(() => spec.run(w, w.actor(actor), incident.number));
    const want = expected('every', actor, tenants);
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(want);
    if (result.outcome === 'refused') {
      // Not visible reads like "doesn't exist" (action view); visible, it names what is missing.
      const visible = sees(actor, tenants);
      expectRefused(w, actor, {
        action: visible ? spec.action : 'view',
        incident: incident.number,
        tenants: visible ? tenants : [],
      });
      const missing = tenants.filter((t) => !coveredFor(actor, [t]).length);
      // Visible, it names the tenants the role is missing on ("… on acme", "… none on globex").
      expect(result.denied.message).toMatch(
        visible ? `on ${missing.join(', ')}. Ask` : "doesn't exist or isn't on a tenant",
      );
      return;
    }
    expect(spec.changed(result.value)).toBe(true);
    expect(writeScopes(w)).toEqual([actorScope(actor), ...spec.follows]);
    expect(w.audit.denials(ACTORS[actor].user)).toEqual([]);
    expectOnlyOwnRowsWritten(w, actor);
    expect(w.log.errors()).toEqual([]);
  });
});

// The tenant added to each kind of incident: acme gets globex, globex gets acme, the shared one
// initech (which only the platform actor holds).
const ADDED = { acme: 'globex', globex: 'acme', shared: 'initech' } as const;

describe('adding a tenant needs a role on every tenant and on the one added', () => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    const added = ADDED[kind];
    const result = await attempt(() =>
      addAffectedTenant(w.incidents, w.actor(actor), incident.number, added),
    );
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(
      expected('every', actor, [...tenants, added]),
    );
    if (result.outcome === 'refused') {
      const onIncident = coveredFor(actor, tenants).length === tenants.length;
      expectRefused(w, actor, {
        action: sees(actor, tenants) ? 'add_tenant' : 'view',
        incident: incident.number,
        tenants: !sees(actor, tenants) ? [] : onIncident ? [added] : tenants,
      });
      return;
    }
    expect(result.value.tenants).toEqual([...tenants, added]);
    // The added tenant's first-response clock is started by the follow-up (system work).
    expect(writeScopes(w)).toEqual([actorScope(actor), CLOCKS_FOLLOW]);
    expectOnlyOwnRowsWritten(w, actor);
    expect(w.log.errors()).toEqual([]);
  });

  it('reads an unknown tenant like one the actor has no role on, and audits it', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme');
    const unknown = await attempt(() =>
      addAffectedTenant(w.incidents, w.actor('acme'), incident.number, 'nosuch'),
    );
    const notMine = await attempt(() =>
      addAffectedTenant(w.incidents, w.actor('acme'), incident.number, 'globex'),
    );
    if (unknown.outcome !== 'refused' || notMine.outcome !== 'refused')
      throw new Error('not refused');
    expect(unknown.denied.message.replace('nosuch', 'X')).toBe(
      notMine.denied.message.replace('globex', 'X'),
    );
    expect(w.audit.denials('U0ACME').map((r) => r.tenantIds)).toEqual([['nosuch'], ['globex']]);
    expect(writeScopes(w)).toEqual([]);
  });

  it('tells the platform actor the tenant is unknown, writing nothing', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme');
    await expect(
      addAffectedTenant(w.incidents, w.actor('platform'), incident.number, 'nosuch'),
    ).rejects.toThrow('Unknown tenant `nosuch`');
    expect(writeScopes(w)).toEqual([]);
  });
});

describe('the person given an incident role needs a role on every tenant', () => {
  it.each(ACTOR_NAMES.flatMap((a) => INCIDENT_KIND_NAMES.map((k) => [a, k] as const)))(
    'assignee %s on the %s incident',
    async (assignee, kind) => {
      const w = makeWorld();
      const incident = await w.seed(kind);
      const tenants = tenantsOf(kind);
      const user = ACTORS[assignee].user;
      const result = await attempt(() =>
        assignRole(w.incidents, w.actor('platform'), { ref: incident.number, role: 'comms', user }),
      );
      const fits = coveredFor(assignee, tenants).length === tenants.length;
      expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(fits ? 'done' : 'refused');
      if (result.outcome === 'refused') {
        const missing = tenants.filter((t) => !coveredFor(assignee, [t]).length);
        expect(result.denied.message).toContain(`has no role on ${missing.join(', ')}`);
        expectRefused(w, 'platform', {
          action: 'assign_role',
          incident: incident.number,
          tenants: missing,
        });
        return;
      }
      expect(result.value.roles.comms).toBe(user);
      expect(w.notifier.calls).toContainEqual({
        kind: 'invite',
        incident: incident.number,
        users: [user],
      });
      expect(writeScopes(w)).toEqual([actorScope('platform')]);
    },
  );
});

describe('the role matters, not only the tenant', () => {
  // A scribe may acknowledge; updates, severity, mitigation and resolution need more.
  it.each([
    ['acknowledge', 'done'],
    ['change severity', 'refused'],
    ['assign a role', 'refused'],
    ['mitigate', 'refused'],
    ['resolve', 'refused'],
  ] as const)('a scribe on acme: %s is %s', async (name, want) => {
    const w = makeWorld();
    w.db.seed((t) => t.roleBindings.push({ user: 'U0SCRIBE', tenant: 'acme', role: 'scribe' }));
    const incident = await w.seed('acme');
    const spec = ACTIONS[name]!;
    const result = await attempt(() => spec.run(w, { user: 'U0SCRIBE' }, incident.number));
    expect(result.outcome === 'refused' ? 'refused' : 'done').toBe(want);
    if (result.outcome === 'refused') {
      expect(w.audit.denials('U0SCRIBE')).toMatchObject([
        { action: spec.action, tenantIds: ['acme'], incident: incident.number },
      ]);
      expect(writeScopes(w)).toEqual([]);
    } else expect(writeScopes(w)).toEqual(['tenants acme']);
  });
});

describe('an incident the actor cannot see', () => {
  it("reads like one that doesn't exist, and both refusals are audited", async () => {
    const w = makeWorld();
    const incident = await w.seed('globex');
    const other = await attempt(() =>
      acknowledgeIncident(w.incidents, w.actor('acme'), incident.number),
    );
    const missing = await attempt(() => acknowledgeIncident(w.incidents, w.actor('acme'), 999));
    if (other.outcome !== 'refused' || missing.outcome !== 'refused')
      throw new Error('not refused');
    expect(other.denied.message.replace(`INC-${incident.number}`, 'INC-X')).toBe(
      missing.denied.message.replace('INC-999', 'INC-X'),
    );
    expect(w.audit.denials('U0ACME').map((r) => r.incident)).toEqual([incident.number, 999]);
    expect(writeScopes(w)).toEqual([]);
  });
});
