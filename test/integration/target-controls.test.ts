import { Client } from 'pg';
import { SignedHttpGateway } from '../../src/adapters/http/signed-gateway';
import { CONTROLS_CHANNEL } from '../../src/adapters/target/control-rows';
import { PgTargetSystem } from '../../src/adapters/target/pg-target-system';
import { closedPort } from '../support/closed-port';
import { GatewayReceiver } from '../support/gateway-receiver';
import {
  openTargetFixture,
  PATTERN,
  targetKinds,
  type TargetFixture,
} from '../support/target-fixture';

jest.setTimeout(120_000);

const SECRET = 'test-gateway-secret-0123456789';

for (const k of targetKinds()) {
  (k.run ? describe : describe.skip)(`tenant controls and the signed gateway (${k.title})`, () => {
    let f: TargetFixture;
    let gw: GatewayReceiver;
    let target: PgTargetSystem;

    /** tenant_controls as the SaaS reads it: as the app role. */
    async function seenByApp(tenant: string) {
      const c = new Client({ connectionString: f.url });
      await c.connect();
      try {
        await c.query('BEGIN');
        await c.query(`SET LOCAL ROLE ${f.appRole}`);
        const { rows } = await c.query(
          `SELECT rate_limit_rpm, pool, blocked_endpoints FROM tenantops_control.tenant_controls WHERE tenant_id = $1`,
          [tenant],
        );
        await c.query('COMMIT');
        return rows[0] as {
          rate_limit_rpm: number | null;
          pool: string | null;
          blocked_endpoints: string[];
        };
      } finally {
        await c.end();
      }
    }

    const controlState = async () => ({
      controls: await f.sql(`SELECT * FROM tenantops_control.tenant_controls ORDER BY tenant_id`),
      holds: await f.sql(`SELECT hold_id, key FROM tenantops_control.control_holds ORDER BY seq`),
    });

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      gw = await new GatewayReceiver(SECRET).start();
      target = new PgTargetSystem({
        url: f.url,
        appRole: f.appRole,
        schemaPattern: PATTERN,
        storage: f.storage,
        catalog: f.catalog,
        demo: k.kind === 'embedded',
        gateway: new SignedHttpGateway({ url: gw.url, secret: SECRET, timeoutMs: 1500 }),
      });
      await target.ensureControlSchema();
    });

    afterAll(async () => {
      await target?.close();
      await gw?.stop();
      await f?.close();
    });

    afterEach(() => {
      gw.mode = { kind: 'ok' };
    });

    it('blocks an endpoint the SaaS sees at once, tells the gateway signed, and unblocks it on undo', async () => {
      const before = gw.accepted.length;
      const change = await target.applyControls(
        'acme',
        [{ kind: 'block_endpoint', path: '/api/v1/export/' }],
        { hold: 'RB-1-block' },
      );
      expect(change.settings).toEqual([
        {
          setting: { kind: 'block_endpoint', path: '/api/v1/export' },
          previous: false,
          changed: true,
        },
      ]);
      expect((await seenByApp('acme')).blocked_endpoints).toEqual(['/api/v1/export']);
      expect(change.gateway).toEqual({ status: 'delivered', httpStatus: 204 });
      const got = gw.accepted[before]!;
      expect(got.body).toMatchObject({
        type: 'tenantops.tenant_controls',
        tenant_id: 'acme',
        action: 'apply',
        hold: 'RB-1-block',
        controls: { blocked_endpoints: ['/api/v1/export'], rate_limit_rpm: null, read_only: false },
      });
      expect(gw.rejected).toBe(0);

      const undo = await target.undoControls('acme', 'RB-1-block');
      expect(undo.keys).toEqual([
        { key: 'endpoint:/api/v1/export', outcome: 'restored', value: false, previous: false },
      ]);
      expect((await seenByApp('acme')).blocked_endpoints).toEqual([]);
      expect(gw.accepted.at(-1)!.body).toMatchObject({
        action: 'undo',
        controls: { blocked_endpoints: [] },
      });
      expect((await target.undoControls('acme', 'RB-1-block')).keys).toEqual([]);
    });

    it('undo puts back the rate limit and pool that were there before, not the defaults', async () => {
      await f.sql(
        `UPDATE tenantops_control.tenant_controls SET rate_limit_rpm = 500, pool = 'gold',
           blocked_endpoints = '{/admin}' WHERE tenant_id = 'globex'`,
      );
      const settings = [
        { kind: 'rate_limit', rpm: 120 },
        { kind: 'pool', pool: 'isolated' },
        { kind: 'block_endpoint', path: '/admin' },
      ] as const;
      const first = await target.applyControls('globex', [...settings], { hold: 'RB-2-throttle' });
      // A retried step: the record of what was there before stands.
      const again = await target.applyControls('globex', [...settings], { hold: 'RB-2-throttle' });
      expect(first.settings.map((s) => [s.previous, s.changed])).toEqual([
        [500, true],
        ['gold', true],
        [true, false],
      ]);
      expect(again.settings.map((s) => [s.previous, s.changed])).toEqual([
        [500, false],
        ['gold', false],
        [true, false],
      ]);
      expect(await seenByApp('globex')).toEqual({
        rate_limit_rpm: 120,
        pool: 'isolated',
        blocked_endpoints: ['/admin'],
      });
      const view = await target.controlsOf('globex');
      expect(view.holds.map((h) => [h.hold, h.key, h.previous, h.applied])).toEqual([
        ['RB-2-throttle', 'rate_limit_rpm', 500, 120],
        ['RB-2-throttle', 'pool', 'gold', 'isolated'],
        ['RB-2-throttle', 'endpoint:/admin', true, true],
      ]);

      const undo = await target.undoControls('globex', 'RB-2-throttle');
      expect(undo.keys.map((u) => [u.key, u.outcome, u.value])).toEqual([
        ['endpoint:/admin', 'restored', true],
        ['pool', 'restored', 'gold'],
        ['rate_limit_rpm', 'restored', 500],
      ]);
      expect(await seenByApp('globex')).toEqual({
        rate_limit_rpm: 500,
        pool: 'gold',
        blocked_endpoints: ['/admin'],
      });
      expect((await target.controlsOf('globex')).holds).toEqual([]);
    });

    it('stacks holds on one key: undoing the older keeps the newer in force, undoing both restores the original', async () => {
      await f.sql(
        `UPDATE tenantops_control.tenant_controls SET rate_limit_rpm = NULL WHERE tenant_id = 'initech'`,
      );
      await target.applyControls('initech', [{ kind: 'rate_limit', rpm: 300 }], { hold: 'RB-3' });
      await target.applyControls('initech', [{ kind: 'rate_limit', rpm: 60 }], { hold: 'RB-4' });
      const older = await target.undoControls('initech', 'RB-3');
      expect(older.keys[0]).toMatchObject({
        outcome: 'kept_for_later_hold',
        value: 60,
        laterHold: 'RB-4',
      });
      expect((await seenByApp('initech')).rate_limit_rpm).toBe(60);
      const newer = await target.undoControls('initech', 'RB-4');
      expect(newer.keys[0]).toMatchObject({ outcome: 'restored', value: null, previous: null });
      expect((await seenByApp('initech')).rate_limit_rpm).toBeNull();
    });

    it('leaves a value someone changed outside tenantops since the hold, and says so', async () => {
      await target.applyControls('initech', [{ kind: 'pool', pool: 'isolated' }], { hold: 'RB-5' });
      await f.sql(
        `UPDATE tenantops_control.tenant_controls SET pool = 'manual' WHERE tenant_id = 'initech'`,
      );
      const undo = await target.undoControls('initech', 'RB-5');
      expect(undo.keys[0]).toMatchObject({
        outcome: 'changed_since',
        value: 'manual',
        previous: null,
      });
      expect((await seenByApp('initech')).pool).toBe('manual');
      await f.sql(
        `UPDATE tenantops_control.tenant_controls SET pool = NULL WHERE tenant_id = 'initech'`,
      );
    });

    it('refuses bad input with a message naming it, and writes nothing', async () => {
      const before = await controlState();
      const cases: [Parameters<PgTargetSystem['applyControls']>, RegExp][] = [
        [
          ['acme', [{ kind: 'block_endpoint', path: 'api/export' }], { hold: 'RB-9' }],
          /must start with \//,
        ],
        [
          ['acme', [{ kind: 'block_endpoint', path: '/a b' }], { hold: 'RB-9' }],
          /characters a URL path cannot/,
        ],
        [
          ['acme', [{ kind: 'block_endpoint', path: '/x?y=1' }], { hold: 'RB-9' }],
          /no query string/,
        ],
        [['acme', [{ kind: 'rate_limit', rpm: 0 }], { hold: 'RB-9' }], /rpm=0 is out of range/],
        [['acme', [{ kind: 'rate_limit', rpm: 2.5 }], { hold: 'RB-9' }], /out of range/],
        [['acme', [{ kind: 'pool', pool: 'Iso lated' }], { hold: 'RB-9' }], /not a pool name/],
        [['acme', [{ kind: 'pool', pool: 'isolated' }], { hold: 'bad hold!' }], /not a hold id/],
        [
          ['nosuch', [{ kind: 'pool', pool: 'isolated' }], { hold: 'RB-9' }],
          /tenant nosuch has no schema on the target/,
        ],
        [['acme', [], { hold: 'RB-9' }], /no control change/],
      ];
      for (const [args, message] of cases)
        await expect(target.applyControls(...args)).rejects.toThrow(message);
      await target.applyControls('acme', [{ kind: 'rate_limit', rpm: 10 }], { hold: 'RB-10' });
      await expect(
        target.applyControls('globex', [{ kind: 'rate_limit', rpm: 10 }], { hold: 'RB-10' }),
      ).rejects.toThrow(/hold id RB-10 already holds controls of tenant acme/);
      await target.undoControls('acme', 'RB-10');
      const after = await controlState();
      expect(after.holds).toEqual(before.holds);
      expect(after.controls.map((r) => ({ ...r, updated_at: null }))).toEqual(
        before.controls.map((r) => ({ ...r, updated_at: null })),
      );
    });

    it('keeps the change when the gateway answers 5xx or not at all, and reports the failure', async () => {
      gw.mode = { kind: 'status', status: 503 };
      const failed = await target.applyControls('acme', [{ kind: 'rate_limit', rpm: 42 }], {
        hold: 'RB-11',
      });
      expect(failed.gateway).toMatchObject({
        status: 'failed',
        reason: 'server_error',
        httpStatus: 503,
      });
      expect((await seenByApp('acme')).rate_limit_rpm).toBe(42);

      gw.mode = { kind: 'hang' };
      const timedOut = await target.undoControls('acme', 'RB-11');
      expect(timedOut.gateway).toMatchObject({ status: 'failed', reason: 'timeout' });
      expect((await seenByApp('acme')).rate_limit_rpm).toBeNull();

      gw.mode = { kind: 'status', status: 400 };
      const refused = await target.applyControls('acme', [{ kind: 'pool', pool: 'isolated' }], {
        hold: 'RB-12',
      });
      expect(refused.gateway).toMatchObject({
        status: 'failed',
        reason: 'refused',
        httpStatus: 400,
      });
      gw.mode = { kind: 'ok' };
      expect((await target.undoControls('acme', 'RB-12')).gateway.status).toBe('delivered');
    });

    it('reports an unreachable gateway', async () => {
      const down = new PgTargetSystem({
        url: f.url,
        appRole: f.appRole,
        schemaPattern: PATTERN,
        storage: f.storage,
        catalog: f.catalog,
        gateway: new SignedHttpGateway({
          url: `http://127.0.0.1:${await closedPort()}/x`,
          secret: SECRET,
        }),
      });
      try {
        const r = await down.applyControls('acme', [{ kind: 'rate_limit', rpm: 7 }], {
          hold: 'RB-13',
        });
        expect(r.gateway).toMatchObject({
          status: 'failed',
          reason: 'unreachable',
          message: 'ECONNREFUSED',
        });
        expect((await seenByApp('acme')).rate_limit_rpm).toBe(7);
        await down.undoControls('acme', 'RB-13');
      } finally {
        await down.close();
      }
    });

    it('tells the gateway when read-only mode (the write pause) goes on and off', async () => {
      const n = gw.accepted.length;
      const paused = await target.pauseWrites('initech');
      expect(paused.gateway).toEqual({ status: 'delivered', httpStatus: 204 });
      expect(gw.accepted[n]!.body).toMatchObject({
        action: 'read_only',
        controls: { read_only: true },
      });
      const resumed = await target.resumeWrites('initech');
      expect(resumed.paused).toBe(false);
      expect(gw.accepted[n + 1]!.body).toMatchObject({
        action: 'writable',
        controls: { read_only: false },
      });
    });
  });
}

// PGlite serves every socket connection from one session and delivers no notifications to them.
for (const k of targetKinds().filter((t) => t.kind === 'postgres')) {
  (k.run ? describe : describe.skip)(`control change notifications (${k.title})`, () => {
    let f: TargetFixture;
    let target: PgTargetSystem;

    beforeAll(async () => {
      f = await openTargetFixture(k.kind);
      target = f.target;
      await target.ensureControlSchema();
    });

    afterAll(async () => {
      await f?.close();
    });

    it('notifies listeners on the tenantops_controls channel when the change commits', async () => {
      const listener = new Client({ connectionString: f.url });
      await listener.connect();
      try {
        const got = new Promise<string>((resolve) =>
          listener.on('notification', (m) => resolve(m.payload ?? '')),
        );
        await listener.query(`LISTEN ${CONTROLS_CHANNEL}`);
        await target.applyControls('globex', [{ kind: 'block_endpoint', path: '/api/v2/*' }], {
          hold: 'RB-14',
        });
        expect(await got).toBe('globex');
        await target.undoControls('globex', 'RB-14');
      } finally {
        await listener.end();
      }
    });
  });
}
