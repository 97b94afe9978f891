/**
 * Where tenant keys live: Vault's transit engine, or — without `VAULT_ADDR`, in development
 * only — a keyring table in tenantops' own database. Every status carries the backend so the
 * UI can label a `local-dev` key as such.
 */
export type KeyBackend = 'vault' | 'local-dev';

export interface TenantKeyVersion {
  version: number;
  createdAt: Date;
}

/** What the key store knows about one tenant's key. */
export interface TenantKeyStatus {
  tenantId: string;
  backend: KeyBackend;
  /** Where to look for it: `transit/keys/tenant-acme`, or `local keyring (dev only): acme`. */
  keyRef: string;
  exists: boolean;
  /** Highest version; 0 when the key does not exist. */
  latestVersion: number;
  /** Oldest version that still decrypts; 0 when the key does not exist. */
  minDecryptionVersion: number;
  /**
   * The versions that can still decrypt (Vault archives older ones out of sight), ascending,
   * each with its creation time: the rotation watch ages the key from the newest.
   */
  versions: TenantKeyVersion[];
}

export interface EnsureKeyResult {
  /** False when the key already existed (nothing was written). */
  created: boolean;
  status: TenantKeyStatus;
}

export interface RotateResult {
  /** False when the latest version had already moved past `expectedLatest`: a retried step. */
  rotated: boolean;
  status: TenantKeyStatus;
}

export type KeyStoreHealth =
  | { state: 'ok'; backend: KeyBackend }
  | {
      state: 'sealed' | 'unreachable' | 'denied' | 'error';
      backend: KeyBackend;
      /** What is wrong and what to do about it, for the operator. */
      reason: string;
    };

export type TenantKeyErrorCode =
  | 'vault_sealed'
  | 'vault_unreachable'
  | 'vault_denied'
  | 'vault_error'
  /** Rotating a key that does not exist. */
  | 'key_missing'
  /** The key is at a version below the one the caller saw: restored or replaced behind our back. */
  | 'key_behind';

/**
 * A key-store operation that failed; the message says what to do. Nothing was changed unless
 * the message says otherwise. `retryable`: the same call may succeed later without anyone
 * changing tenantops (Vault unsealed, back on the network, a 5xx passing).
 */
export class TenantKeyError extends Error {
  constructor(
    public readonly code: TenantKeyErrorCode,
    message: string,
    public readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TenantKeyError';
  }
}

/** Per-tenant encryption keys: status, creation and idempotent rotation. */
export interface TenantKeys {
  readonly backend: KeyBackend;

  /**
   * The tenant's key as it stands (`exists: false` when there is none).
   * @throws TenantKeyError when the store cannot answer; DomainError for a bad tenant id.
   */
  status(tenantId: string): Promise<TenantKeyStatus>;

  /**
   * Creates the tenant's key unless it exists; safe to repeat.
   * @throws TenantKeyError when the store cannot answer; DomainError for a bad tenant id.
   */
  ensureKey(tenantId: string): Promise<EnsureKeyResult>;

  /**
   * Rotates the key only if its latest version is still `expectedLatest` — the version the
   * caller read and recorded before acting — so a retried step never rotates twice. A latest
   * version already above it returns `rotated: false`. Compare and rotate are not one atomic
   * operation in Vault: callers run one rotation per tenant at a time.
   * @throws TenantKeyError `key_missing` / `key_behind` when the key is absent or below
   *   `expectedLatest`, a `vault_*` code when the store cannot answer.
   */
  rotate(tenantId: string, opts: { expectedLatest: number }): Promise<RotateResult>;

  /** Whether the store can serve now, with the reason when it cannot. Never throws. */
  health(): Promise<KeyStoreHealth>;
}
