import { assessRotation } from '../../src/domain/keys/rotation';
import type { KeyBackend, TenantKeys } from '../../src/ports/tenant-keys';

/** One TenantKeys adapter under the shared contract. */
export interface KeysHarness {
  backend: KeyBackend;
  keys: TenantKeys;
  /** A tenant id no other case has used (known to the store). */
  freshTenant(): string;
  /** Gives the tenant a key whose only version was created at `createdAt`. */
  createKeyAt(tenantId: string, createdAt: Date): Promise<void>;
}

const DAY = 24 * 3600_000;

// Vault reports symmetric keys' creation times in whole seconds.
function expectCreatedBetween(createdAt: Date, from: number, to: number): void {
  expect(createdAt.getTime()).toBeGreaterThanOrEqual(Math.floor(from / 1000) * 1000);
  expect(createdAt.getTime()).toBeLessThanOrEqual(to);
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as { code?: string; message: string },
  );
}

/** The TenantKeys contract, the same table for every adapter (Vault, local dev keyring). */
export function tenantKeysContract(harness: () => KeysHarness): void {
  it('reports no key for a tenant without one, labelled with its backend', async () => {
    const h = harness();
    const t = h.freshTenant();
    expect(await h.keys.status(t)).toMatchObject({
      tenantId: t,
      backend: h.backend,
      exists: false,
      latestVersion: 0,
      versions: [],
    });
  });

  it('creates a key at version 1 once; a second ensureKey changes nothing', async () => {
    const h = harness();
    const t = h.freshTenant();
    const before = Date.now();
    const first = await h.keys.ensureKey(t);
    const after = Date.now();
    expect(first.created).toBe(true);
    expect(first.status).toMatchObject({ exists: true, latestVersion: 1, minDecryptionVersion: 1 });
    expect(first.status.versions.map((v) => v.version)).toEqual([1]);
    expectCreatedBetween(first.status.versions[0]!.createdAt, before, after);
    const again = await h.keys.ensureKey(t);
    expect(again.created).toBe(false);
    expect(again.status.versions).toEqual(first.status.versions);
  });

  it('rotates when the latest version is the expected one, keeping older versions', async () => {
    const h = harness();
    const t = h.freshTenant();
    await h.createKeyAt(t, new Date(Date.now() - 10 * DAY));
    const r = await h.keys.rotate(t, { expectedLatest: 1 });
    expect(r.rotated).toBe(true);
    expect(r.status.latestVersion).toBe(2);
    const [v1, v2] = r.status.versions;
    expect(v2!.createdAt.getTime()).toBeGreaterThan(v1!.createdAt.getTime());
  });

  it('does nothing when a retried rotation finds the key already past expectedLatest', async () => {
    const h = harness();
    const t = h.freshTenant();
    await h.keys.ensureKey(t);
    await h.keys.rotate(t, { expectedLatest: 1 });
    const retried = await h.keys.rotate(t, { expectedLatest: 1 });
    expect(retried.rotated).toBe(false);
    expect(retried.status.latestVersion).toBe(2);
    expect((await h.keys.status(t)).versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it('refuses to rotate a missing key or one below expectedLatest, creating nothing', async () => {
    const h = harness();
    const missing = h.freshTenant();
    expect(await rejection(h.keys.rotate(missing, { expectedLatest: 1 }))).toMatchObject({
      code: 'key_missing',
    });
    expect((await h.keys.status(missing)).exists).toBe(false);
    const t = h.freshTenant();
    await h.keys.ensureKey(t);
    const behind = await rejection(h.keys.rotate(t, { expectedLatest: 3 }));
    expect(behind).toMatchObject({ code: 'key_behind' });
    expect(behind.message).toMatch(/version 1, below version 3/);
    expect((await h.keys.status(t)).latestVersion).toBe(1);
  });

  it('refuses a malformed tenant id or expected version with a clear error', async () => {
    const h = harness();
    expect(await rejection(h.keys.ensureKey('Not A Tenant'))).toMatchObject({
      code: 'invalid_tenant',
      message: expect.stringMatching(/Invalid tenant id "Not A Tenant"/) as string,
    });
    const t = h.freshTenant();
    await h.keys.ensureKey(t);
    expect(await rejection(h.keys.rotate(t, { expectedLatest: 0 }))).toMatchObject({
      code: 'invalid_key_version',
    });
    expect((await h.keys.status(t)).latestVersion).toBe(1);
  });

  it('ages a key from its versions: created 7 months ago it is due, rotated it is ok', async () => {
    const h = harness();
    const t = h.freshTenant();
    await h.createKeyAt(t, new Date(Date.now() - 213 * DAY));
    const old = await h.keys.status(t);
    expect(assessRotation(old.versions, new Date(), 'P180D').state).toBe('due');
    const { status } = await h.keys.rotate(t, { expectedLatest: old.latestVersion });
    expect(assessRotation(status.versions, new Date(), 'P180D').state).toBe('ok');
  });

  it("keeps tenants apart: rotating one leaves another's key alone", async () => {
    const h = harness();
    const [a, b] = [h.freshTenant(), h.freshTenant()];
    await h.keys.ensureKey(a);
    await h.keys.ensureKey(b);
    await h.keys.rotate(a, { expectedLatest: 1 });
    expect((await h.keys.status(b)).latestVersion).toBe(1);
  });

  it('is healthy when its store answers', async () => {
    const h = harness();
    expect(await h.keys.health()).toEqual({ state: 'ok', backend: h.backend });
  });
}
