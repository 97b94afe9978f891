import { DomainError } from '../../domain/errors';
import { tenantKeyName } from '../../domain/keys/key-name';
import {
  TenantKeyError,
  type EnsureKeyResult,
  type KeyStoreHealth,
  type RotateResult,
  type TenantKeyStatus,
  type TenantKeys,
} from '../../ports/tenant-keys';
import { displayAddr, type VaultClient } from './vault-client';
import { isNotFound, vaultError, vaultMessages, type VaultCall } from './vault-errors';
import { parseKeyInfo } from './vault-key-info';

export interface VaultTenantKeysOptions {
  client: VaultClient;
  /** `VAULT_ADDR`, for messages (credentials masked). */
  addr: string;
  /** `vault.transitMount`. */
  transitMount: string;
  /** `vault.keyName`, with `{id}`. */
  keyName: string;
}

// The transit key type tenantops creates: Vault's default symmetric AEAD.
const KEY_TYPE = 'aes256-gcm96';

/**
 * Tenant keys in Vault's transit engine through node-vault: one key per tenant
 * (`<transitMount>/keys/<keyName>`), rotated by writing `<mount>/keys/<name>/rotate` — never
 * node-vault's `rotate()`, which rotates Vault's own barrier key — and aged from the creation
 * times of its versions.
 */
export class VaultTenantKeys implements TenantKeys {
  readonly backend = 'vault' as const;
  private readonly addr: string;

  constructor(private readonly opts: VaultTenantKeysOptions) {
    this.addr = displayAddr(opts.addr);
  }

  private keyPath(tenantId: string): string {
    return `${this.opts.transitMount}/keys/${tenantKeyName(this.opts.keyName, tenantId)}`;
  }

  private async call<T>(path: string, capability: VaultCall['capability'], fn: () => Promise<T>) {
    try {
      return await fn();
    } catch (err) {
      throw vaultError(err, { addr: this.addr, path, capability });
    }
  }

  async status(tenantId: string): Promise<TenantKeyStatus> {
    return this.read(tenantId, this.keyPath(tenantId));
  }

  private async read(tenantId: string, path: string): Promise<TenantKeyStatus> {
    const base = { tenantId, backend: this.backend, keyRef: path };
    let body: unknown;
    try {
      body = await this.opts.client.read(path);
    } catch (err) {
      if (isNotFound(err)) {
        return { ...base, exists: false, latestVersion: 0, minDecryptionVersion: 0, versions: [] };
      }
      throw vaultError(err, { addr: this.addr, path, capability: 'read' });
    }
    const info = parseKeyInfo(body);
    if (typeof info === 'string') {
      throw new TenantKeyError(
        'vault_error',
        `Vault at ${this.addr} answered read ${path} in a form tenantops cannot use: ${info}.`,
        false,
      );
    }
    return { ...base, exists: true, ...info };
  }

  async ensureKey(tenantId: string): Promise<EnsureKeyResult> {
    const path = this.keyPath(tenantId);
    const before = await this.read(tenantId, path);
    if (before.exists) return { created: false, status: before };
    // Creating an existing key changes nothing in Vault, so a concurrent create is harmless.
    await this.call(path, 'update', () => this.opts.client.write(path, { type: KEY_TYPE }));
    return { created: true, status: await this.read(tenantId, path) };
  }

  async rotate(tenantId: string, opts: { expectedLatest: number }): Promise<RotateResult> {
    const { expectedLatest } = opts;
    if (!Number.isInteger(expectedLatest) || expectedLatest < 1) {
      throw new DomainError(
        'invalid_key_version',
        `expectedLatest must be the key version read before rotating (1 or more), not ${String(expectedLatest)}.`,
      );
    }
    const path = this.keyPath(tenantId);
    const before = await this.read(tenantId, path);
    if (!before.exists) {
      throw new TenantKeyError(
        'key_missing',
        `There is no key ${path} in Vault at ${this.addr} to rotate: it was deleted or never ` +
          "created; create the tenant's key first, then rotate.",
        false,
      );
    }
    if (before.latestVersion > expectedLatest) return { rotated: false, status: before };
    if (before.latestVersion < expectedLatest) {
      throw new TenantKeyError(
        'key_behind',
        `${path} is at version ${before.latestVersion}, below version ${expectedLatest} seen ` +
          'before: the key was restored or replaced outside tenantops. Check it in Vault; nothing was rotated.',
        false,
      );
    }
    const rotatePath = `${path}/rotate`;
    await this.call(rotatePath, 'update', () => this.opts.client.write(rotatePath, {}));
    return { rotated: true, status: await this.read(tenantId, path) };
  }

  async health(): Promise<KeyStoreHealth> {
    const backend = this.backend;
    let body: unknown;
    try {
      // node-vault resolves sys/health's body for every status code, so `sealed` is readable.
      body = await this.opts.client.health({ standbyok: true });
    } catch (err) {
      return unhealthy(
        vaultError(err, { addr: this.addr, path: 'sys/health', capability: 'read' }),
      );
    }
    const h = body as { initialized?: unknown; sealed?: unknown } | null;
    if (typeof h?.sealed !== 'boolean') {
      const errors = vaultMessages(body);
      const reason =
        errors.length > 0
          ? `Vault at ${this.addr} answered sys/health with errors: ${errors.join('; ')}.`
          : `Vault at ${this.addr} did not answer sys/health with its status: check VAULT_ADDR points at Vault.`;
      return { state: 'error', backend, reason };
    }
    if (h.initialized === false) {
      return {
        state: 'error',
        backend,
        reason: `Vault at ${this.addr} is not initialized: initialize (vault operator init) and unseal it.`,
      };
    }
    if (h.sealed) {
      return {
        state: 'sealed',
        backend,
        reason: `Vault at ${this.addr} is sealed: unseal it (vault operator unseal).`,
      };
    }
    try {
      await this.opts.client.tokenLookupSelf();
    } catch (err) {
      const path = 'auth/token/lookup-self';
      return unhealthy(vaultError(err, { addr: this.addr, path, capability: 'read' }));
    }
    return { state: 'ok', backend };
  }
}

function unhealthy(e: TenantKeyError): KeyStoreHealth {
  const state =
    e.code === 'vault_sealed'
      ? 'sealed'
      : e.code === 'vault_unreachable'
        ? 'unreachable'
        : e.code === 'vault_denied'
          ? 'denied'
          : 'error';
  return { state, backend: 'vault', reason: e.message.replace(/, then retry\.$/, '.') };
}
