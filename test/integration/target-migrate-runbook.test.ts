import { migrateRunbook } from '../../src/app/runbooks/migrate-runbook';
import type { StepContext, StepDef } from '../../src/app/runbooks/runbook-def';
import type { Run, RunState } from '../../src/domain/runbooks/runbook';
import {
  ARCHIVED,
  captureTriggersLeft,
  migrationsDir,
  ORDER_PRIORITY,
  routingOf,
} from '../support/migration-files';
import {
  fingerprint,
  openTargetFixture,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(180_000);

/** The steps of one run as the engine drives them: context passed on, state for the undos. */
function driver(f: TargetFixture, tenant: string, params: Record<string, string>) {
  const steps = migrateRunbook.steps(params);
  const run = {
    number: 7,
    runbook: 'tenant-migrate',
    tenant,
    params,
    dryRun: false,
    destructive: true,
    requestedBy: 'U1',
    incident: null,
    state: 'running' as RunState,
    steps: [],
    createdAt: new Date(),
    finishedAt: null,
    outcome: null,
    context: {} as Record<string, unknown>,
    demo: f.kind === 'embedded',
    rtoDueAt: null,
    place: { channel: null, threadTs: null, messageTs: null },
    version: 1,
  } satisfies Run;
  const ctx: StepContext = {
    run,
    tenant,
    params,
    context: run.context,
    target: () => f.target,
    ops: () => {
      throw new Error('the migrate runbook uses no ops');
    },
    now: () => new Date(),
  };
  const done: StepDef[] = [];
  return {
    steps,
    ctx,
    /** Runs the steps up to (not including) `until`, returning their summaries. */
    async runUntil(until?: string): Promise<Record<string, string>> {
      const out: Record<string, string> = {};
      for (const s of steps.slice(done.length)) {
        if (s.id === until) break;
        done.push(s);
        const r = await s.run(ctx);
        Object.assign(run.context, r.data ?? {});
        out[s.id] = r.summary;
      }
      return out;
    },
    /** Undoes as the engine does: on a failure only the undoOnFailure steps, in reverse. */
    async undo(state: 'failing' | 'rolling_back'): Promise<Record<string, string>> {
      run.state = state;
      const out: Record<string, string> = {};
      for (const s of [...done].reverse())
        if (s.undo && (state === 'rolling_back' || s.undoOnFailure)) out[s.id] = await s.undo(ctx);
      return out;
    },
  };
}

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`the tenant-migrate runbook (${k.title})`, () => {
    let f: TargetFixture;

    beforeAll(async () => {
      const dir = await migrationsDir({
        '0001_order_priority.sql': ORDER_PRIORITY,
        '0002_archived.sql': ARCHIVED,
      });
      f = await openTargetFixture(k.kind, { migrationsDir: dir });
    });

    afterAll(async () => {
      await f?.close();
    });

    it('plans without changing anything, and is destructive and needs the target', async () => {
      expect(migrateRunbook).toMatchObject({ destructive: true, needsTarget: true });
      const d = driver(f, 'acme', { migration: '0001_order_priority' });
      expect(d.steps.map((s) => [s.id, s.kind ?? 'action'])).toEqual([
        ['flag-on', 'action'],
        ['shadow', 'action'],
        ['copy', 'action'],
        ['validate', 'action'],
        ['approve-switch', 'approval'],
        ['switch', 'action'],
        ['finish', 'action'],
      ]);
      const before = await fingerprint(f, 'tenant_acme');
      const plans = [];
      for (const s of d.steps) plans.push(await s.plan(d.ctx));
      expect(plans[0]).toBe(
        'set flags.migrating = 0001_order_priority for acme (on tenant_acme, version 0 → 1)',
      );
      expect(plans[2]).toMatch(/copy about 615 rows in 5 tables into the shadow/);
      expect(await fingerprint(f, 'tenant_acme')).toEqual(before);
      expect((await f.target.tenantVersion('acme')).flags).toEqual({});
      const missing = driver(f, 'acme', {});
      await expect(missing.steps[0]!.run(missing.ctx)).rejects.toThrow(
        'tenant-migrate needs migration=<NNNN_name>',
      );
    });

    it('runs to the switch, saying how long writes were paused, and rolls back to the old schema', async () => {
      const d = driver(f, 'acme', { migration: '0001_order_priority' });
      const out = await d.runUntil();
      expect(out.shadow).toBe(
        'tenant_acme__v1 at version 1 from tenant_acme (version 0): customers.country retyped, orders +priority, order_notes new',
      );
      expect(out.validate).toMatch(/^5 tables, \d+ rows match; 2 checks pass$/);
      expect(out.switch).toMatch(
        /^acme now on tenant_acme__v1 \(version 1\); writes paused \d+\.\d\d s \(\d+ changes replayed before the pause, \d+ in it\); tenant_acme kept for rollback$/,
      );
      expect(out.finish).toBe('20 capture triggers removed; flags.migrating off');
      expect(await routingOf(f, 'acme')).toEqual({ schema_name: 'tenant_acme__v1', version: 1 });
      await f.asApp([
        `INSERT INTO tenant_acme__v1.orders (customer_id, placed_at) VALUES (1, now())`,
      ]);

      const undone = await d.undo('rolling_back');
      expect(undone.switch).toMatch(
        /^acme back on tenant_acme \(version 0\); carried back 1 row\(s\) written since the switch; writes paused/,
      );
      expect(undone.shadow).toBe('dropped the shadow; 0 capture triggers removed');
      expect(await routingOf(f, 'acme')).toEqual({ schema_name: 'tenant_acme', version: 0 });
      expect(await f.sql(`SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_acme__v1'`)).toEqual(
        [],
      );
      expect((await f.target.tenantVersion('acme')).flags).toEqual({});
      await f.asApp([`INSERT INTO tenant_acme.orders (customer_id, placed_at) VALUES (1, now())`]);
    });

    it('on a failed check stops before the switch and undoes the shadow, the capture and the flag', async () => {
      const d = driver(f, 'globex', { migration: '0001_order_priority' });
      await d.runUntil();
      const live = await fingerprint(f, 'tenant_globex__v1');
      const d2 = driver(f, 'globex', { migration: '0002_archived' });
      await d2.runUntil('validate');
      expect(await captureTriggersLeft(f)).toHaveLength(24);
      await expect(d2.steps[3]!.run(d2.ctx)).rejects.toThrow(
        /the shadow does not pass: check "SELECT count\(\*\) = 0 FROM orders": returned false\. globex still uses its old schema, untouched/,
      );
      const undone = await d2.undo('failing');
      expect(undone).toEqual({
        shadow: 'dropped the shadow; 24 capture triggers removed',
        'flag-on': 'flags.migrating removed',
      });
      expect(await routingOf(f, 'globex')).toEqual({
        schema_name: 'tenant_globex__v1',
        version: 1,
      });
      expect(await captureTriggersLeft(f)).toEqual([]);
      expect(await fingerprint(f, 'tenant_globex__v1')).toEqual(live);
    });

    it('redoes a copy a dead worker left half done, resyncs after lost capture, and keeps the new schema when a step after the switch fails', async () => {
      const d = driver(f, 'initech', { migration: '0001_order_priority' });
      await d.runUntil('copy');
      // Rows a dead worker's copy left behind are replaced by the copy.
      await f.sql(
        `INSERT INTO tenant_initech__v1.products (sku, name, price_cents) VALUES ('GHOST', 'half copy', 1)`,
      );
      await d.runUntil('validate');
      // Capture lost (a trigger gone) and a write it missed: copying again resyncs the shadow.
      await f.sql(`DROP TRIGGER tenantops_capture_ins ON tenant_initech.orders`);
      await f.asApp([
        `INSERT INTO tenant_initech.orders (customer_id, placed_at, note) VALUES (1, now(), 'uncaptured')`,
      ]);
      const again = await d.steps[2]!.run(d.ctx);
      expect(again.summary).toMatch(
        /^rows already copied into tenant_initech__v1; [1-9]\d* changed keys replayed/,
      );
      await d.runUntil('finish');
      expect(
        await f.sql(`SELECT sku FROM tenant_initech__v1.products WHERE sku = 'GHOST'`),
      ).toEqual([]);
      expect(
        await f.sql(
          `SELECT count(*)::int AS n FROM tenant_initech__v1.orders WHERE note = 'uncaptured'`,
        ),
      ).toEqual([{ n: 1 }]);
      const undone = await d.undo('failing');
      expect(undone.shadow).toBe(
        'kept tenant_initech__v1: initech uses it (the switch went through)',
      );
      expect(await routingOf(f, 'initech')).toEqual({
        schema_name: 'tenant_initech__v1',
        version: 1,
      });
      await f.asApp([`UPDATE tenant_initech__v1.orders SET priority = 1 WHERE id = 1`]);
    });
  });
}
