import { Writable } from 'node:stream';
import { createLogger } from '../../src/adapters/logging/logger';
import { createVaultClient } from '../../src/adapters/vault/vault-client';
import { VaultTenantKeys } from '../../src/adapters/vault/vault-tenant-keys';
import { later, VaultTokenRenewer } from '../../src/adapters/vault/vault-token-renewer';
import { VaultEmulator } from '../support/vault-emulator';

jest.setTimeout(30_000);

interface Line {
  level: number;
  msg: string;
  [k: string]: unknown;
}

const WARN = 40;
const POLICIES = ['default', 'tenantops'];
const ERROR = 50;

let vault: VaultEmulator;
let lines: Line[];
let renewer: VaultTokenRenewer | undefined;

function logSink() {
  lines = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunk
        .toString()
        .split('\n')
        .filter((l) => l.length > 0)
        .forEach((l) => lines.push(JSON.parse(l) as Line));
      cb();
    },
  });
  return createLogger({ level: 'info', destination: stream });
}

function startRenewer(token: string, opts: { warnBeforeMs?: number; retryMs?: number } = {}) {
  renewer = new VaultTokenRenewer({
    client: createVaultClient({ addr: vault.url, token }),
    addr: vault.url,
    log: logSink(),
    ...opts,
  });
  return renewer.start();
}

function keysWith(token: string) {
  const client = createVaultClient({ addr: vault.url, token });
  return new VaultTenantKeys({
    client,
    addr: vault.url,
    transitMount: 'transit',
    keyName: 'tenant-{id}',
  });
}

/** Resolves once a log line matching `re` at `level` or above was written. */
async function logged(re: RegExp, level: number): Promise<Line> {
  const find = () => lines.find((l) => l.level >= level && re.test(l.msg));
  for (let i = 0; i < 300 && !find(); i += 1) await new Promise((r) => setTimeout(r, 20));
  const line = find();
  if (!line) throw new Error(`no log line matching ${String(re)}: ${JSON.stringify(lines)}`);
  return line;
}

beforeEach(async () => {
  vault = await VaultEmulator.start();
  vault.createKey('tenant-acme');
  vault.writePolicy('tenantops', [{ path: 'transit/keys/+', capabilities: ['read'] }]);
});

afterEach(async () => {
  renewer?.stop();
  renewer = undefined;
  await vault.stop();
});

describe('VaultTokenRenewer', () => {
  it('keeps a short-lived token alive past its TTL with renew-self', async () => {
    const renewed = vault.createToken({ ttlSeconds: 2, policies: POLICIES });
    const control = vault.createToken({ ttlSeconds: 2, policies: POLICIES });
    await startRenewer(renewed);
    // Renewing at 2/3 of the TTL, the third renewal comes after the original 2 s have passed.
    await vault.waitFor(() => vault.count('auth/token/renew-self') >= 3);
    expect((await keysWith(renewed).status('acme')).latestVersion).toBe(1);
    await expect(keysWith(control).status('acme')).rejects.toMatchObject({ code: 'vault_denied' });
    expect(JSON.stringify(lines)).not.toContain(renewed);
  });

  it('warns ahead of the expiry of a token that is not renewable, without renewing it', async () => {
    const token = vault.createToken({ ttlSeconds: 3600, renewable: false });
    await startRenewer(token, { warnBeforeMs: 2 * 3600_000 });
    const warning = await logged(/cannot|not renewable/, WARN);
    expect(warning.msg).toMatch(
      /^VAULT_TOKEN expires at \S+ and it is not renewable: issue a new token with the tenantops policy, set VAULT_TOKEN and restart tenantops before then\.$/,
    );
    expect(vault.count('auth/token/renew-self')).toBe(0);
  });

  it('warns when renewals stop extending the token because it reached its max TTL', async () => {
    // Renewed at ~0.7 s (to 2 s) and ~2 s (capped to the ~2 s left of its 4 s max).
    const token = vault.createToken({ ttlSeconds: 2, explicitMaxTtlSeconds: 4 });
    await startRenewer(token);
    const warning = await logged(/maximum TTL/, WARN);
    expect(warning.msg).toMatch(/^VAULT_TOKEN expires at .* and it has reached its maximum TTL/);
    expect(vault.count('auth/token/renew-self')).toBeGreaterThanOrEqual(1);
  });

  it('retries a renewal that failed while Vault was sealed, and keeps going once unsealed', async () => {
    const token = vault.createToken({ ttlSeconds: 3, policies: POLICIES });
    await startRenewer(token, { retryMs: 200 });
    vault.seal();
    await vault.waitFor(() => vault.count('auth/token/renew-self', 503) >= 1);
    expect((await logged(/renewal failed, trying again/, WARN)).code).toBe('vault_sealed');
    vault.unseal();
    await vault.waitFor(() => vault.count('auth/token/renew-self') >= 1);
    expect((await keysWith(token).status('acme')).exists).toBe(true);
  });

  it('stops and says so when the token was revoked', async () => {
    const token = vault.createToken({ ttlSeconds: 2 });
    await startRenewer(token);
    vault.revokeToken(token);
    const line = await logged(/renewal stopped/, ERROR);
    expect(line.msg).toMatch(/does not accept VAULT_TOKEN/);
    const attempts = vault.requests.filter((r) => r.path === 'auth/token/renew-self').length;
    expect(attempts).toBe(1);
  });

  it('does nothing for a token without TTL, like a root token', async () => {
    await startRenewer(vault.rootToken);
    expect((await logged(/does not expire/, 30)).level).toBe(30);
    expect(vault.count('auth/token/lookup-self')).toBe(1);
  });

  it('waits longer than setTimeout allows in hops, so a far expiry is not announced at once', async () => {
    const timers: NodeJS.Timeout[] = [];
    await new Promise<void>((resolve) => {
      timers.push(later(60, resolve, (t) => timers.push(t), 25));
    });
    expect(timers).toHaveLength(3);
  });

  it('does not warn yet about a non-renewable token far from its expiry', async () => {
    const token = vault.createToken({ ttlSeconds: 60 * 24 * 3600, renewable: false });
    await startRenewer(token, { warnBeforeMs: 24 * 3600_000 });
    expect((await logged(/will not be renewed: it is not renewable/, 30)).expiresAt).toBeDefined();
    expect(lines.filter((l) => l.level >= WARN)).toEqual([]);
  });
});
