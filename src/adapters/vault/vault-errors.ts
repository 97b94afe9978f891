import { TenantKeyError } from '../../ports/tenant-keys';

/** What was being attempted, for the message: `read transit/keys/tenant-acme` needs `read`. */
export interface VaultCall {
  /** Display address of Vault. */
  addr: string;
  /** The path after `/v1/`. */
  path: string;
  /** The ACL capability the call needs. */
  capability: 'read' | 'update';
}

interface ApiResponseError {
  response: { statusCode: number; body: unknown };
}

// node-vault rejects a non-2xx answer with an ApiResponseError carrying status and body.
function isApiResponseError(err: unknown): err is ApiResponseError {
  const response = (err as { response?: { statusCode?: unknown } } | null)?.response;
  return typeof response?.statusCode === 'number';
}

/** Vault's `errors` list, multierror framing (`1 error occurred: * …`) stripped. */
export function vaultMessages(body: unknown): string[] {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((e): e is string => typeof e === 'string')
    .map((e) =>
      e
        .replace(/^\d+ errors? occurred:\s*/, '')
        .replace(/^\*\s*/, '')
        .replace(/\s*\n\s*\*\s*/g, '; '),
    )
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
}

/** A 404 with no errors: Vault's answer for a key that does not exist. */
export function isNotFound(err: unknown): boolean {
  return (
    isApiResponseError(err) &&
    err.response.statusCode === 404 &&
    vaultMessages(err.response.body).length === 0
  );
}

// axios (under node-vault) fails with a code such as ECONNREFUSED, ECONNRESET or ECONNABORTED
// (timeout) when no HTTP answer arrived.
function transportCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, isAxiosError } = err as { code?: unknown; isAxiosError?: unknown };
  if (typeof code === 'string' && (isAxiosError === true || /^E[A-Z_]+$/.test(code))) return code;
  return isAxiosError === true ? 'no response' : undefined;
}

function fromStatus(status: number, messages: string[], call: VaultCall): TenantKeyError {
  const detail = messages.length > 0 ? messages.join('; ') : 'no detail';
  if (status === 503 && messages.some((m) => /sealed/i.test(m))) {
    return new TenantKeyError(
      'vault_sealed',
      `Vault at ${call.addr} is sealed: unseal it (vault operator unseal), then retry.`,
      true,
    );
  }
  if (status === 403 && messages.includes('invalid token')) {
    return new TenantKeyError(
      'vault_denied',
      `Vault at ${call.addr} does not accept VAULT_TOKEN (expired, revoked or unknown): ` +
        'issue a new token with the tenantops policy, set VAULT_TOKEN and restart tenantops, then retry.',
      false,
    );
  }
  if (status === 403) {
    return new TenantKeyError(
      'vault_denied',
      `Vault at ${call.addr} denied ${call.capability} on ${call.path} (permission denied): ` +
        `grant the tenantops token's policy "${call.capability}" on that path (README, Vault), then retry.`,
      false,
    );
  }
  if (status === 404 && messages.some((m) => /route entry not found|unsupported path/.test(m))) {
    const mount = call.path.split('/')[0] ?? '';
    return new TenantKeyError(
      'vault_error',
      `Vault at ${call.addr} has no transit engine at "${mount}/" (vault.transitMount): enable it ` +
        `(vault secrets enable -path=${mount} transit) or correct the config, then retry.`,
      false,
    );
  }
  const retryable = status >= 500 || status === 429 || status === 412;
  return new TenantKeyError(
    'vault_error',
    `Vault at ${call.addr} answered ${status} to ${call.capability} ${call.path}: ${detail}. ` +
      (retryable
        ? 'Retry; if it persists, check Vault and its logs.'
        : 'Check the request and Vault, then retry.'),
    retryable,
  );
}

/** Translates whatever node-vault threw into a TenantKeyError that says what to do. */
export function vaultError(err: unknown, call: VaultCall): TenantKeyError {
  if (err instanceof TenantKeyError) return err;
  if (isApiResponseError(err)) {
    return fromStatus(err.response.statusCode, vaultMessages(err.response.body), call);
  }
  const code = transportCode(err);
  if (code !== undefined) {
    return new TenantKeyError(
      'vault_unreachable',
      `Vault at ${call.addr} did not answer ${call.capability} ${call.path} (${code}): check ` +
        'VAULT_ADDR, the network and that Vault is running, then retry.',
      true,
    );
  }
  const text = err instanceof Error ? err.message : String(err);
  return new TenantKeyError(
    'vault_error',
    `Calling Vault at ${call.addr} for ${call.capability} ${call.path} failed: ${text}.`,
    false,
  );
}
