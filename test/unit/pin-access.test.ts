// :pushpin: copies a message to exactly the incident whose channel or thread it is in, for the
// tenants the person holds a role on (the others skipped and audited); a person with none is
// refused and audited. The copy is written in a transaction scoped to those tenants.
import { pinMessageToTimeline, type PinInput } from '../../src/app/pin-message';
import type { Incident } from '../../src/domain/incidents/incident';
import {
  attempt,
  cells,
  coveredFor,
  expected,
  expectOnlyOwnRowsWritten,
  expectRefused,
  expectSkippedAudited,
  tenantsOf,
  tenantsScope,
  writeScopes,
} from '../support/fakes/access-cases';
import { ACTORS, makeWorld, type ActorName, type World } from '../support/fakes/world';

const MESSAGE_TS = '1767225700.000001';

/** A message posted in the incident's own channel, or as a reply in its thread. */
function inIncident(
  actor: ActorName,
  incident: Incident,
  text = 'Root cause: expired cert',
): PinInput {
  const place = incident.threadTs
    ? { channel: incident.channelId!, threadTs: incident.threadTs }
    : { channel: incident.channelId! };
  return { user: ACTORS[actor].user, ts: MESSAGE_TS, text, ...place };
}

const pins = (w: World) => w.db.tables.timeline.filter((r) => r.kind === 'pinned');

describe.each(['channel', 'thread'] as const)('pinning in the incident (%s mode)', (mode) => {
  it.each(cells())('actor %s on the %s incident', async (actor, kind) => {
    const w = makeWorld({ mode });
    const incident = await w.seed(kind);
    const tenants = tenantsOf(kind);
    const result = await attempt(() =>
      pinMessageToTimeline(w.incidents, inIncident(actor, incident)),
    );
    const want = expected('each', actor, tenants);
    if (result.outcome === 'refused') {
      expect(want).toBe('refused');
      // The pin names its incident (routing found it), so the refusal says which.
      expectRefused(w, actor, { action: 'pin', incident: incident.number, tenants });
      expect(pins(w)).toEqual([]);
      return;
    }
    const covered = coveredFor(actor, tenants);
    const skipped = tenants.filter((t) => !covered.includes(t));
    expect(result.value).toEqual({
      kind: 'pinned',
      incident: incident.number,
      tenants: covered,
      skipped,
    });
    expect(want).toBe(skipped.length ? 'partial' : 'done');
    expect(pins(w).map((r) => ({ incident: r.incident, tenants: r.tenants }))).toEqual([
      { incident: incident.number, tenants: covered },
    ]);
    expect(writeScopes(w)).toEqual([tenantsScope(covered)]);
    expect(w.audit.entries.filter((e) => e.outcome === 'allowed')).toEqual([
      expect.objectContaining({ action: 'pin', tenantIds: covered, incident: incident.number }),
    ]);
    expectSkippedAudited(w, actor, 'pin', incident.number, skipped);
    expectOnlyOwnRowsWritten(w, actor);
  });
});

describe('a pin goes to exactly its incident', () => {
  async function twoInThreads() {
    const w = makeWorld({ mode: 'thread' });
    const acme = await w.seed('acme');
    const globex = await w.seed('globex');
    return { w, acme, globex };
  }

  it("refuses a message in globex's thread to a person of acme, and copies it nowhere", async () => {
    const { w, acme, globex } = await twoInThreads();
    const result = await attempt(() =>
      pinMessageToTimeline(w.incidents, inIncident('acme', globex)),
    );
    expect(result.outcome).toBe('refused');
    expect(pins(w)).toEqual([]);
    expect(w.audit.denials('U0ACME')).toMatchObject([{ action: 'pin', incident: globex.number }]);
    expect(acme.threadTs).not.toBe(globex.threadTs);
  });

  it('copies a thread root to its own incident', async () => {
    const { w, acme } = await twoInThreads();
    const root = { user: 'U0ACME', channel: acme.channelId!, ts: acme.threadTs!, text: 'Card' };
    await expect(pinMessageToTimeline(w.incidents, root)).resolves.toMatchObject({
      kind: 'pinned',
      incident: acme.number,
    });
  });

  it.each([
    ['at the top of the shared channel', { threadTs: undefined }],
    ['in a thread that is no incident', { threadTs: '1767225600.999999' }],
  ])('copies nothing from a message %s, and audits nothing', async (_where, place) => {
    const { w, acme } = await twoInThreads();
    const input = {
      user: 'U0BOTH',
      channel: acme.channelId!,
      ts: MESSAGE_TS,
      text: 'Hi',
      ...place,
    };
    await expect(pinMessageToTimeline(w.incidents, input)).resolves.toEqual({
      kind: 'not_incident',
    });
    expect(writeScopes(w)).toEqual([]);
    expect(w.audit.entries).toEqual([]);
  });

  it('copies a message pinned twice once', async () => {
    const w = makeWorld();
    const incident = await w.seed('acme');
    await pinMessageToTimeline(w.incidents, inIncident('acme', incident));
    await expect(pinMessageToTimeline(w.incidents, inIncident('acme', incident))).resolves.toEqual({
      kind: 'duplicate',
      incident: incident.number,
    });
    expect(pins(w)).toHaveLength(1);
  });
});
