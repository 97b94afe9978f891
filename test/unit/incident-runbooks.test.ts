// The leak response on in-memory ports: when a step after the containment fails (Vault denies
// the rotation), the containment stays in force and the run's outcome says so — the tenant is
// never left read-only silently; a rollback then lifts it. The audit extract hides other tenants.
import { leakRunbook } from '../../src/app/runbooks/leak-runbook';
import { extractCsv } from '../../src/app/runbooks/leak-audit-extract';
import type { IncidentRunbookOps } from '../../src/app/runbooks/incident-ops';
import { approveRun, rollbackRun, startRun } from '../../src/app/runbooks/runbook-commands';
import { defaultControls, type ControlSetting } from '../../src/domain/target/controls';
import { Scope } from '../../src/domain/tenants/scope';
import type { ControlChange, ControlUndo, ControlsView } from '../../src/ports/control-plane';
import type { TargetSystem, WritePauseState } from '../../src/ports/target-system';
import { TenantKeyError, type TenantKeys } from '../../src/ports/tenant-keys';
import { makeRunbookWorld, RUNBOOK_PEOPLE } from '../support/fakes/runbook-world';

/** Just what the leak response touches before the rotation: controls and the write pause. */
class FakeTarget {
  readonly demo = false;
  readonly description = 'fake';
  blocked: string[] = [];
  paused = false;

  schemaOf = () => Promise.resolve('tenant_acme');
  controlsOf = (t: string): Promise<ControlsView> =>
    Promise.resolve({ ...defaultControls(t), blockedEndpoints: this.blocked, holds: [] });

  applyControls(t: string, settings: ControlSetting[], opts: { hold: string }) {
    for (const s of settings) if (s.kind === 'block_endpoint') this.blocked.push(s.path);
    return Promise.resolve({
      tenant: t,
      hold: opts.hold,
      settings: settings.map((s) => ({ setting: s, previous: false, changed: true })),
      controls: defaultControls(t),
      gateway: { status: 'not_configured' },
    } satisfies ControlChange);
  }

  undoControls(t: string, hold: string) {
    const keys = this.blocked.map((p) => ({
      key: `endpoint:${p}` as const,
      outcome: 'restored' as const,
      value: false,
      previous: false,
    }));
    this.blocked = [];
    return Promise.resolve({
      tenant: t,
      hold,
      keys,
      controls: defaultControls(t),
      gateway: { status: 'not_configured' },
    } satisfies ControlUndo);
  }

  private state(t: string): WritePauseState {
    return {
      tenant: t,
      schema: 'tenant_acme',
      readOnly: this.paused,
      writable: [],
      paused: this.paused,
      heldGrants: null,
    };
  }

  pauseWrites = (t: string) => ((this.paused = true), Promise.resolve(this.state(t)));
  resumeWrites = (t: string) => ((this.paused = false), Promise.resolve(this.state(t)));
}

const deniedKeys: TenantKeys = {
  backend: 'vault',
  status: () => Promise.reject(new Error('unused')),
  ensureKey: (tenantId) =>
    Promise.resolve({
      created: false,
      status: {
        tenantId,
        backend: 'vault',
        keyRef: 'transit/keys/tenant-acme',
        exists: true,
        latestVersion: 3,
        minDecryptionVersion: 1,
        versions: [],
      },
    }),
  rotate: () =>
    Promise.reject(
      new TenantKeyError(
        'vault_denied',
        'Vault denied update on transit/keys/tenant-acme/rotate: give the token that capability',
        false,
      ),
    ),
  health: () => Promise.resolve({ state: 'ok', backend: 'vault' }),
};

async function setup() {
  const target = new FakeTarget();
  const w = makeRunbookWorld({
    runbooks: { 'tenant-leak-response': leakRunbook },
    target: target as unknown as TargetSystem,
  });
  // The security incident the step "opens" is a real one of the world (the run links to it).
  const incident = await w.seed(['acme']);
  const ops: IncidentRunbookOps = {
    keys: deniedKeys,
    audit: { rowsOf: () => Promise.resolve([]) },
    security: {
      openOrJoin: () =>
        Promise.resolve({
          number: incident.number,
          opened: true,
          actions: [`declared INC-${incident.number} as P1`],
          channel: null,
          threadTs: null,
          declaredAt: w.clock.now(),
          notifyDueAt: null,
        }),
    },
    tenantIds: () => Promise.resolve(['acme']),
    startFollowUp: () => Promise.reject(new Error('unused')),
  };
  w.deps.ops = ops;
  return { w, target, incident };
}

describe('tenant-leak-response when a step after the containment fails', () => {
  it('keeps the endpoint blocked and the tenant read-only, and says so; rollback lifts both', async () => {
    const { w, target } = await setup();
    const run = await startRun(w.deps, w.actor('acme'), {
      runbook: 'tenant-leak-response',
      tenant: 'acme',
      params: { endpoint: '/api/v1/export' },
      dryRun: false,
      sandbox: false,
    });
    await w.work();
    expect(target.blocked).toEqual(['/api/v1/export']);
    expect(target.paused).toBe(false); // waits for the approval first
    await approveRun(w.deps, { user: RUNBOOK_PEOPLE.approver }, run.number);
    await w.work();

    const failed = await w.store.get(Scope.of(['acme']), run.number);
    expect(failed?.state).toBe('failed');
    expect(failed?.steps.find((s) => s.id === 'rotate-key')?.error).toContain('Vault denied');
    expect(failed?.outcome).toBe(
      `"Rotate the tenant's key (not undone by a rollback)" failed: Vault denied update on transit/keys/tenant-acme/rotate: give the token that capability. Containment stays in force: /api/v1/export is still blocked; acme is still READ-ONLY. \`/runbook rollback RB-${run.number}\` lifts it.`,
    );
    expect([target.blocked, target.paused]).toEqual([['/api/v1/export'], true]);

    await rollbackRun(w.deps, w.actor('acme'), run.number);
    await w.work();
    const rolled = await w.store.get(Scope.of(['acme']), run.number);
    expect(rolled?.state).toBe('rolled_back');
    expect([target.blocked, target.paused]).toEqual([[], false]);
  });
});

describe('tenant-leak-response run without incident=', () => {
  it('is linked to the security incident it opened: later steps reach its timeline', async () => {
    const { w, incident } = await setup();
    const run = await startRun(w.deps, w.actor('acme'), {
      runbook: 'tenant-leak-response',
      tenant: 'acme',
      params: { endpoint: '/api/v1/export' },
      dryRun: false,
      sandbox: false,
    });
    expect(run.incident).toBeNull();
    await w.work();
    const linked = await w.store.get(Scope.of(['acme']), run.number);
    expect(linked?.incident).toBe(incident.number);
    await approveRun(w.deps, { user: RUNBOOK_PEOPLE.approver }, run.number);
    await w.work();
    const onTimeline = w.db.tables.timeline
      .filter((e) => e.incident === incident.number && e.kind === 'runbook')
      .map((e) => e.text);
    // The security-incident step's own note, then the steps after it (read-only, the failure).
    expect(onTimeline.some((t) => t.includes('Open or join a P1 security incident'))).toBe(true);
    expect(onTimeline.some((t) => /read-only/i.test(t) && !t.includes('Open or join'))).toBe(true);
    expect(onTimeline.some((t) => t.includes('Vault denied'))).toBe(true);
    // A run already given an incident keeps it (set only if none).
    expect((await w.store.get(Scope.of(['acme']), run.number))?.incident).toBe(incident.number);
  });
});

describe('the audit-log extract', () => {
  it('names other tenants a row concerns only as a count, and hides them in the reason', () => {
    const csv = extractCsv('acme', [
      {
        at: new Date('2026-07-14T03:00:00Z'),
        actor: 'U1',
        action: 'runbook',
        outcome: 'denied',
        tenantIds: ['acme', 'globex'],
        incident: 4,
        reason: 'refused on acme, globex: "quoted"',
      },
    ]);
    expect(csv).toBe(
      'at,actor,action,outcome,tenants,incident,reason\n2026-07-14T03:00:00.000Z,U1,runbook,denied,acme +1 other,INC-4,"refused on acme, another tenant: ""quoted"""\n',
    );
  });
});
