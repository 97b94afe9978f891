import type { TenantKeys } from '../ports/tenant-keys';
import { PgLocalKeyring } from '../adapters/postgres/pg-local-keyring';
import { createVaultClient } from '../adapters/vault/vault-client';
import { VaultTenantKeys } from '../adapters/vault/vault-tenant-keys';
import { VaultTokenRenewer } from '../adapters/vault/vault-token-renewer';
import type { ModuleContext } from './module';

export interface TenantKeyStore {
  keys: TenantKeys;
  /** Keeps VAULT_TOKEN renewed (Vault only); call in the one module that owns the renewal. */
  startRenewal(): Promise<void>;
  stop(): void;
}

/**
 * Tenant keys: Vault transit through node-vault with VAULT_ADDR, else the dev-only local
 * keyring in tenantops' database (every status it gives says `local-dev`).
 */
export function openTenantKeys(ctx: ModuleContext): TenantKeyStore {
  const { VAULT_ADDR: addr, VAULT_TOKEN: token } = ctx.config.env;
  if (!addr) {
    return {
      keys: new PgLocalKeyring(ctx.storage.db, ctx.clock),
      startRenewal: () => Promise.resolve(),
      stop: () => undefined,
    };
  }
  const client = createVaultClient({ addr, token: token ?? '' });
  const { transitMount, keyName } = ctx.config.file.vault;
  const renewer = new VaultTokenRenewer({
    client,
    addr,
    log: ctx.log.child({ module: 'vault' }),
  });
  return {
    keys: new VaultTenantKeys({ client, addr, transitMount, keyName }),
    startRenewal: () => renewer.start(),
    stop: () => renewer.stop(),
  };
}
