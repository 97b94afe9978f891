import { migrate } from '../../src/adapters/postgres/migrator';
import { PgAccessStore } from '../../src/adapters/postgres/pg-access-store';
import { PgLocalKeyring } from '../../src/adapters/postgres/pg-local-keyring';
import { createVaultClient } from '../../src/adapters/vault/vault-client';
import { VaultTenantKeys } from '../../src/adapters/vault/vault-tenant-keys';
import { assessRotation } from '../../src/domain/keys/rotation';
import { TenantKeyError } from '../../src/ports/tenant-keys';
import { storageUnderTest } from '../support/stack';
import { openTestDatabase, type TestDatabase } from '../support/test-database';
import { VaultEmulator, type PolicyRule } from '../support/vault-emulator';
import { tenantKeysContract, type KeysHarness } from '../support/vault-keys-contract';
import { Scope } from '../support/scopes';

jest.setTimeout(60_000);

const DAY = 24 * 3600_000;

// The policy docs-draft/vault.md recommends: a transit mount of tenantops' own, its keys read,
// created and rotated, nothing else (not their config, not other mounts).
const MOUNT = 'tenant-keys';
const TENANTOPS_POLICY: PolicyRule[] = [
  { path: `${MOUNT}/keys/+`, capabilities: ['read', 'update'] },
  { path: `${MOUNT}/keys/+/rotate`, capabilities: ['update'] },
];

function vaultKeys(
  vault: VaultEmulator,
  token: string,
  opts: { mount?: string; timeoutMs?: number } = {},
) {
  const client = createVaultClient({ addr: vault.url, token, timeoutMs: opts.timeoutMs });
  return new VaultTenantKeys({
    client,
    addr: vault.url,
    transitMount: opts.mount ?? 'transit',
    keyName: 'tenant-{id}',
  });
}

async function failure(p: Promise<unknown>): Promise<TenantKeyError> {
  return p.then(
    () => {
      throw new Error('expected a TenantKeyError');
    },
    (err: unknown) => {
      if (!(err instanceof TenantKeyError)) throw err;
      return err;
    },
  );
}

describe('TenantKeys contract: Vault transit through node-vault (emulator)', () => {
  let vault: VaultEmulator;
  let h: KeysHarness;
  let n = 0;

  beforeAll(async () => {
    vault = await VaultEmulator.start({ transitMounts: ['transit', MOUNT] });
    vault.writePolicy('tenantops', TENANTOPS_POLICY);
    const token = vault.createToken({ policies: ['default', 'tenantops'] });
    h = {
      backend: 'vault',
      keys: vaultKeys(vault, token, { mount: MOUNT }),
      freshTenant: () => `vt-${(n += 1)}`,
      createKeyAt: async (tenant, createdAt) => {
        vault.createKey(`tenant-${tenant}`, { createdAt, mount: MOUNT });
        return Promise.resolve();
      },
    };
  });

  afterAll(async () => {
    await vault.stop();
  });

  tenantKeysContract(() => h);

  it('names the key by vault.keyName; the policy lets it do nothing else', async () => {
    expect((await h.keys.ensureKey('acme')).status.keyRef).toBe(`${MOUNT}/keys/tenant-acme`);
    expect(vault.key('tenant-acme', MOUNT)?.type).toBe('aes256-gcm96');
    const token = vault.createToken({ policies: ['default', 'tenantops'] });
    for (const path of [`${MOUNT}/keys/tenant-acme/config`, 'transit/keys/tenant-acme']) {
      const res = await fetch(`${vault.url}/v1/${path}`, {
        method: 'POST',
        headers: { 'X-Vault-Token': token },
        body: JSON.stringify({ deletion_allowed: true }),
      });
      expect(res.status).toBe(403);
    }
  });
});

describe(`TenantKeys contract: local dev keyring (${storageUnderTest()} storage)`, () => {
  let t: TestDatabase;
  let h: KeysHarness;
  const pool = Array.from({ length: 24 }, (_, i) => `lk-${i + 1}`);
  let used = 0;

  beforeAll(async () => {
    t = await openTestDatabase();
    await migrate(t.db);
    await new PgAccessStore(t.db).syncFromConfig(
      pool.map((id) => ({ id, name: id, plan: 'default', commsChannel: null })),
      [],
    );
    h = {
      backend: 'local-dev',
      keys: new PgLocalKeyring(t.db),
      freshTenant: () => pool[used++]!,
      createKeyAt: async (tenant, createdAt) => {
        await new PgLocalKeyring(t.db, { now: () => createdAt }).ensureKey(tenant);
      },
    };
  });

  afterAll(async () => {
    await t?.close();
  });

  tenantKeysContract(() => h);

  it('says dev only in every status, and keeps rows per tenant under row-level security', async () => {
    const [a, b] = [h.freshTenant(), h.freshTenant()];
    const { status } = await h.keys.ensureKey(a);
    expect(status).toMatchObject({
      backend: 'local-dev',
      keyRef: `local keyring (dev only): ${a}`,
    });
    await h.keys.ensureKey(b);
    const seen = await t.db.scoped(Scope.of([b]), async (c) => {
      const { rows } = await c.query<{ tenant_id: string }>('SELECT tenant_id FROM local_keyring');
      return rows.map((r) => r.tenant_id);
    });
    expect(seen).toEqual([b]);
    await expect(
      t.db.scoped(Scope.of([b]), (c) =>
        c.query('INSERT INTO local_keyring VALUES ($1, 9, now())', [a]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('refuses a tenant tenantops does not know, writing nothing', async () => {
    await expect(h.keys.ensureKey('no-such-tenant')).rejects.toMatchObject({
      code: 'unknown_tenant',
      message: expect.stringMatching(/"no-such-tenant" is not in tenantops' database/) as string,
    });
  });
});

describe('Vault adapter when Vault is sealed, unreachable, denying or failing', () => {
  let vault: VaultEmulator;

  beforeEach(async () => {
    vault = await VaultEmulator.start();
    vault.createKey('tenant-acme');
  });

  afterEach(async () => {
    await vault.stop();
  });

  it('fails with vault_sealed, saying to unseal, and works again once unsealed', async () => {
    const keys = vaultKeys(vault, vault.rootToken);
    vault.seal();
    const e = await failure(keys.rotate('acme', { expectedLatest: 1 }));
    expect(e).toMatchObject({ code: 'vault_sealed', retryable: true });
    expect(e.message).toBe(
      `Vault at ${vault.url} is sealed: unseal it (vault operator unseal), then retry.`,
    );
    expect(await keys.health()).toEqual({
      state: 'sealed',
      backend: 'vault',
      reason: `Vault at ${vault.url} is sealed: unseal it (vault operator unseal).`,
    });
    vault.unseal();
    expect((await keys.rotate('acme', { expectedLatest: 1 })).status.latestVersion).toBe(2);
  });

  it('fails with vault_unreachable when connections drop, time out or are refused', async () => {
    const keys = vaultKeys(vault, vault.rootToken, { timeoutMs: 300 });
    vault.fail({ status: 'drop', times: 1 });
    expect(await failure(keys.status('acme'))).toMatchObject({
      code: 'vault_unreachable',
      message: expect.stringMatching(
        /did not answer read transit\/keys\/tenant-acme \(ECONNRESET\)/,
      ) as string,
    });
    vault.fail({ status: 'hang', times: 1 });
    expect((await failure(keys.status('acme'))).code).toBe('vault_unreachable');
    await vault.stop();
    const refused = await failure(keys.ensureKey('acme'));
    expect(refused.message).toMatch(/\(ECONNREFUSED\): check VAULT_ADDR/);
    expect(await keys.health()).toMatchObject({ state: 'unreachable', reason: /ECONNREFUSED/ });
    vault = await VaultEmulator.start();
  });

  it('rotates once when the answer to a rotation was lost and the step is retried', async () => {
    const keys = vaultKeys(vault, vault.rootToken);
    vault.fail({ status: 'drop-after', times: 1, path: /\/rotate$/ });
    expect((await failure(keys.rotate('acme', { expectedLatest: 1 }))).code).toBe(
      'vault_unreachable',
    );
    const retried = await keys.rotate('acme', { expectedLatest: 1 });
    expect(retried).toMatchObject({ rotated: false, status: { latestVersion: 2 } });
    expect(vault.key('tenant-acme')?.versions).toHaveLength(2);
  });

  it('fails with vault_denied naming the path and capability the policy lacks', async () => {
    vault.writePolicy('read-only', [{ path: 'transit/keys/*', capabilities: ['read'] }]);
    const keys = vaultKeys(vault, vault.createToken({ policies: ['default', 'read-only'] }));
    const e = await failure(keys.rotate('acme', { expectedLatest: 1 }));
    expect(e).toMatchObject({ code: 'vault_denied', retryable: false });
    expect(e.message).toMatch(
      /denied update on transit\/keys\/tenant-acme\/rotate \(permission denied\)/,
    );
    expect(vault.key('tenant-acme')?.versions).toHaveLength(1);
    expect((await failure(keys.ensureKey('globex'))).code).toBe('vault_denied');
    expect(vault.key('tenant-globex')).toBeUndefined();
  });

  it('fails with vault_denied when the token is expired or unknown; health says denied', async () => {
    const token = vault.createToken({ ttlSeconds: 60 });
    const keys = vaultKeys(vault, token);
    vault.advanceClock(61_000);
    const e = await failure(keys.status('acme'));
    expect(e.message).toMatch(/does not accept VAULT_TOKEN \(expired, revoked or unknown\)/);
    expect(await keys.health()).toMatchObject({ state: 'denied', reason: /VAULT_TOKEN/ });
  });

  it('fails with a retryable vault_error on 5xx, including a proxy HTML page', async () => {
    const keys = vaultKeys(vault, vault.rootToken);
    vault.fail({ status: 500, times: 1 });
    expect(await failure(keys.status('acme'))).toMatchObject({
      code: 'vault_error',
      retryable: true,
      message: expect.stringMatching(
        /answered 500 to read transit\/keys\/tenant-acme: internal error/,
      ) as string,
    });
    vault.fail({ status: 502, times: 1, body: '<html>Bad Gateway</html>' });
    expect((await failure(keys.status('acme'))).message).toMatch(/answered 502 .*no detail/);
    expect((await keys.status('acme')).latestVersion).toBe(1);
  });

  it('says which mount is missing when vault.transitMount has no transit engine', async () => {
    const keys = vaultKeys(vault, vault.rootToken, { mount: 'kv' });
    const e = await failure(keys.ensureKey('acme'));
    expect(e).toMatchObject({ code: 'vault_error', retryable: false });
    expect(e.message).toMatch(/no transit engine at "kv\/" \(vault.transitMount\)/);
  });

  it('reads the version times of an asymmetric key an operator made', async () => {
    vault.createKey('tenant-initech', {
      type: 'ed25519',
      createdAt: new Date(Date.now() - 200 * DAY),
    });
    const status = await vaultKeys(vault, vault.rootToken).status('initech');
    expect(assessRotation(status.versions, new Date(), 'P180D').state).toBe('due');
  });

  it('reports an uninitialized or failing Vault as an error and a standby as healthy', async () => {
    const keys = vaultKeys(vault, vault.rootToken);
    vault.fail({ status: 500, times: 1, path: /^sys\/health$/ });
    expect(await keys.health()).toMatchObject({
      state: 'error',
      reason: /sys\/health with errors: internal error/,
    });
    vault.setStandby(true);
    expect(await keys.health()).toEqual({ state: 'ok', backend: 'vault' });
    vault.setInitialized(false);
    expect(await keys.health()).toMatchObject({ state: 'error', reason: /not initialized/ });
  });
});
