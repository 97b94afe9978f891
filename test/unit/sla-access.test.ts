// The SLA clocks' side of tenant isolation: status shows only the clocks of tenants the actor
// holds a role on; a partial update moves only the updated tenants' clocks, and a timer's
// settling doesn't count it for the others. Timers are the system's work, platform-wide.
import { postIncidentUpdate, resolveIncident } from '../../src/app/incident-actions';
import { fireSlaTimer } from '../../src/app/sla-fire';
import { incidentSlaStatus } from '../../src/app/sla-status';
import { cells, coveredFor, tenantsOf, writeScopes } from '../support/fakes/access-cases';
import { makeWorld } from '../support/fakes/world';

describe('SLA status shows only the tenants the actor holds a role on', () => {
  it.each(cells())('actor %s on the open %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    const covered = coveredFor(actor, tenantsOf(kind));
    const view = await incidentSlaStatus(w.sla, w.actor(actor), incident);
    expect(view.tenants).toEqual(covered);
    expect(view.lines.map((l) => `${l.tenant} ${l.clock.kind}`)).toEqual(
      covered.map((t) => `${t} first_response`),
    );
    expect(w.db.writeTransactions()).toEqual([]);
  });

  it.each(cells())('actor %s on the resolved %s incident', async (actor, kind) => {
    const w = makeWorld();
    const incident = await w.seed(kind);
    await resolveIncident(w.incidents, w.actor('platform'), incident.number, 'Fixed');
    w.forget();
    const covered = coveredFor(actor, tenantsOf(kind));
    const view = await incidentSlaStatus(w.sla, w.actor(actor), incident);
    // The post-mortem clock is the whole incident's: shown to whoever sees the incident.
    expect(view.lines.map((l) => `${l.tenant} ${l.clock.kind} ${l.clock.status}`)).toEqual([
      ...covered.map((t) => `${t} first_response stopped`),
      ...(covered.length ? ['* postmortem pending'] : []),
    ]);
  });
});

describe("a partial update and acme's clock", () => {
  it("a globex person's update leaves acme's clock running, through the timer too", async () => {
    const w = makeWorld();
    const incident = await w.seed('shared');
    const update = await postIncidentUpdate(w.incidents, w.actor('globex'), {
      ref: incident.number,
      text: 'Investigating',
    });
    expect(update).toMatchObject({ tenants: ['globex'], skipped: ['acme'] });
    expect(writeScopes(w)).toEqual(['tenants globex', 'tenants globex']);
    const acmeClock = w.db.tables.clocks.find((c) => c.tenant === 'acme')!;
    // acme's first response falls due; the timer settles clocks from the timeline's updates.
    w.forget();
    w.clock.set(acmeClock.dueAt);
    await fireSlaTimer(w.sla, { incident: incident.number, at: acmeClock.dueAt });
    expect(w.db.tables.clocks.map((c) => `${c.tenant} ${c.kind} ${c.status}`)).toEqual([
      'acme first_response breached',
      'globex first_response met',
      'globex update pending',
    ]);
    expect(w.db.tables.events.map((e) => `${e.tenant} ${e.step}`)).toEqual(['acme due']);
    // System work for no person: platform-wide, and only the timer's own rows.
    expect(writeScopes(w)).toEqual(['platform (SLA timer firing)']);
    expect(w.db.committedWrites().every((r) => r.tenants.join() === 'acme')).toBe(true);
  });
});
