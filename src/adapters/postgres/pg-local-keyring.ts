import type { PoolClient } from 'pg';
import { DomainError } from '../../domain/errors';
import { requireTenantId } from '../../domain/keys/key-name';
import { systemClock, type Clock } from '../../ports/clock';
import {
  TenantKeyError,
  type EnsureKeyResult,
  type KeyStoreHealth,
  type RotateResult,
  type TenantKeyStatus,
  type TenantKeys,
} from '../../ports/tenant-keys';
import { Scope } from '../../domain/tenants/scope';
import type { Database } from './database';

/**
 * The dev-only stand-in for Vault when VAULT_ADDR is unset: tenant key versions and their
 * creation times in tenantops' own database (table `local_keyring`, row-level security per
 * tenant). Every status says `backend: 'local-dev'`; there is no key material.
 */
export class PgLocalKeyring implements TenantKeys {
  readonly backend = 'local-dev' as const;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock = systemClock,
  ) {}

  // The one way in: a transaction that sees only this tenant's rows.
  private inTenant<T>(tenantId: string, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    requireTenantId(tenantId);
    return this.db.scoped(Scope.of([tenantId]), fn).catch((err: unknown) => {
      if ((err as { code?: unknown }).code === '23503') {
        throw new DomainError(
          'unknown_tenant',
          `Tenant "${tenantId}" is not in tenantops' database: add it to the config first.`,
        );
      }
      throw err;
    });
  }

  private async read(c: PoolClient, tenantId: string): Promise<TenantKeyStatus> {
    const { rows } = await c.query<{ version: number; created_at: Date }>(
      'SELECT version, created_at FROM local_keyring WHERE tenant_id = $1 ORDER BY version',
      [tenantId],
    );
    const versions = rows.map((r) => ({ version: r.version, createdAt: r.created_at }));
    return {
      tenantId,
      backend: this.backend,
      keyRef: `local keyring (dev only): ${tenantId}`,
      exists: versions.length > 0,
      latestVersion: versions.at(-1)?.version ?? 0,
      minDecryptionVersion: versions.length > 0 ? 1 : 0,
      versions,
    };
  }

  async status(tenantId: string): Promise<TenantKeyStatus> {
    return this.inTenant(tenantId, (c) => this.read(c, tenantId));
  }

  async ensureKey(tenantId: string): Promise<EnsureKeyResult> {
    return this.inTenant(tenantId, async (c) => {
      const inserted = await c.query(
        `INSERT INTO local_keyring (tenant_id, version, created_at) VALUES ($1, 1, $2)
         ON CONFLICT DO NOTHING`,
        [tenantId, this.clock.now()],
      );
      return { created: inserted.rowCount === 1, status: await this.read(c, tenantId) };
    });
  }

  async rotate(tenantId: string, opts: { expectedLatest: number }): Promise<RotateResult> {
    const { expectedLatest } = opts;
    if (!Number.isInteger(expectedLatest) || expectedLatest < 1) {
      throw new DomainError(
        'invalid_key_version',
        `expectedLatest must be the key version read before rotating (1 or more), not ${String(expectedLatest)}.`,
      );
    }
    return this.inTenant(tenantId, async (c) => {
      // Adds version expectedLatest + 1 only while expectedLatest is the latest; of two
      // concurrent rotations the primary key lets one through.
      const inserted = await c.query(
        `INSERT INTO local_keyring (tenant_id, version, created_at)
         SELECT $1::text, $2::integer + 1, $3::timestamptz
         WHERE (SELECT max(version) FROM local_keyring WHERE tenant_id = $1) = $2
         ON CONFLICT DO NOTHING`,
        [tenantId, expectedLatest, this.clock.now()],
      );
      const status = await this.read(c, tenantId);
      if (inserted.rowCount === 1) return { rotated: true, status };
      if (!status.exists) {
        throw new TenantKeyError(
          'key_missing',
          `Tenant ${tenantId} has no key in the local keyring (dev only) to rotate: create it first.`,
          false,
        );
      }
      if (status.latestVersion < expectedLatest) {
        throw new TenantKeyError(
          'key_behind',
          `Tenant ${tenantId}'s local key is at version ${status.latestVersion}, below version ` +
            `${expectedLatest} seen before: nothing was rotated.`,
          false,
        );
      }
      return { rotated: false, status };
    });
  }

  async health(): Promise<KeyStoreHealth> {
    try {
      await this.db.ping();
      return { state: 'ok', backend: this.backend };
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      return {
        state: 'unreachable',
        backend: this.backend,
        reason: `tenantops' database (local keyring, dev only) did not answer: ${text}.`,
      };
    }
  }
}
