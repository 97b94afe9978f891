// Role bindings (read platform-wide, as pg-access-store.ts reads them) and the audit log.
import type { RoleBinding } from '../../../src/domain/access/access';
import type { AccessStore, AuditEntry, AuditLog } from '../../../src/ports/incident-store';
import { clone, type MemoryDb } from './memory-db';

/** The bindings of MemoryDb's role_bindings table; they decide a person's scope, so no scope applies. */
export class MemoryAccessStore implements AccessStore {
  constructor(private readonly db: MemoryDb) {}

  bindingsOf(user: string): Promise<RoleBinding[]> {
    const rows = this.db.tables.roleBindings
      .filter((b) => b.user === user)
      .sort((a, b) => a.tenant.localeCompare(b.tenant) || a.role.localeCompare(b.role));
    return Promise.resolve(clone(rows));
  }

  holdersOf(tenants: readonly string[], role: RoleBinding['role']): Promise<string[]> {
    const users = this.db.tables.roleBindings
      .filter((b) => b.role === role && (tenants.includes(b.tenant) || b.tenant === '*'))
      .map((b) => b.user);
    return Promise.resolve([...new Set(users)].sort());
  }
}

/**
 * The audit log: insert-only for every scope (audit_log_write WITH CHECK (true)) and written in
 * a transaction of its own, so a caller's rollback never takes a row back.
 */
export class MemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];

  record(entry: AuditEntry): Promise<void> {
    if (!['allowed', 'denied', 'rejected'].includes(entry.outcome))
      throw new Error('new row for relation "audit_log" violates check constraint');
    this.entries.push(clone(entry));
    return Promise.resolve();
  }

  /** The refusals (outcome `denied`) recorded for `actor`. */
  denials(actor: string): AuditEntry[] {
    return this.entries.filter((e) => e.actor === actor && e.outcome === 'denied');
  }

  clear(): void {
    this.entries.length = 0;
  }
}
