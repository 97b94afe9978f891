import { Scope } from '../../domain/tenants/scope';
import type { KeyWatchLedger } from '../../ports/key-watch';
import type { Database } from './database';

/** The rotation watch's warnings, one row per tenant key version (table key_watch_notices). */
export class PgKeyWatchLedger implements KeyWatchLedger {
  constructor(private readonly db: Database) {}

  async firstWarning(tenant: string, keyRef: string, version: number, at: Date): Promise<boolean> {
    // Two workers passing at once: the primary key lets one of them warn.
    const { rowCount } = await this.db.scoped(Scope.of([tenant]), (c) =>
      c.query(
        `INSERT INTO key_watch_notices (tenant_id, key_ref, version, kind, noticed_at)
         VALUES ($1, $2, $3, 'warn', $4) ON CONFLICT DO NOTHING`,
        [tenant, keyRef, version, at],
      ),
    );
    return rowCount === 1;
  }
}
