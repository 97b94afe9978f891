import createVault from 'node-vault';
import { maskUrlCredentials } from '../../domain/masking';

export type VaultClient = ReturnType<typeof createVault>;

export interface VaultConnection {
  /** `VAULT_ADDR`. */
  addr: string;
  /** `VAULT_TOKEN`. */
  token: string;
  /** Per-request timeout; a Vault that hangs counts as unreachable. Default 10 s. */
  timeoutMs?: number;
}

/**
 * A node-vault client for `VAULT_ADDR`. `noCustomHTTPVerbs`: lists go as `GET ?list=true`,
 * since the LIST verb is refused by Node's HTTP parser (and by some proxies).
 */
export function createVaultClient(c: VaultConnection): VaultClient {
  return createVault({
    endpoint: c.addr,
    token: c.token,
    noCustomHTTPVerbs: true,
    requestOptions: { timeout: c.timeoutMs ?? 10_000 },
  });
}

/** The address as it may appear in messages and logs. */
export function displayAddr(addr: string): string {
  return maskUrlCredentials(addr).replace(/\/+$/, '');
}
