// The tables the Postgres adapters read and write, held in memory, with row-level security
// copied from the migrations (001_init.sql, 002_sla_clocks.sql, 006_backups.sql,
// 009_runbooks.sql, 011_scope_writes.sql) and a log of every transaction: its scope, what it
// wrote, and whether it committed.
import type { RoleBinding } from '../../../src/domain/access/access';
import type { BackupRecord } from '../../../src/domain/backups/backup';
import type { Run, RunStep } from '../../../src/domain/runbooks/runbook';
import type { SlaClock } from '../../../src/domain/sla/sla-clock';
import { isScope, type Scope } from '../../../src/domain/tenants/scope';
import type { Tenant } from '../../../src/ports/incident-store';
import type { SlaEvent, SlaIncident } from '../../../src/ports/sla-store';
import type { TimelineKind } from '../../../src/domain/incidents/incident';

export interface IncidentTenantRow {
  incident: number;
  tenant: string;
  addedAt: Date;
  addedBy: string;
}

export interface TimelineRow {
  id: number;
  incident: number;
  tenants: string[];
  at: Date;
  actor: string | null;
  kind: TimelineKind;
  text: string;
  data: Record<string, unknown>;
}

export interface EventRow extends SlaEvent {
  leaseToken: string | null;
  leaseUntil: Date | null;
  postedAt: Date | null;
}

/** A runbook_runs row: the run without its steps (params and context are jsonb). */
export type RunRow = Omit<Run, 'steps'>;

/** A runbook_steps row: the step, its run and tenant, and the lease of the worker holding it. */
export interface RunStepRow extends RunStep {
  run: number;
  tenant: string;
  leaseToken: string | null;
  leaseUntil: Date | null;
}

/** The rows of every table (sequences live apart: Postgres doesn't roll them back). */
export interface Tables {
  tenants: Tenant[];
  /** tenants.created_at, which the Tenant port type doesn't carry (unset: the epoch). */
  tenantCreatedAt: Record<string, Date>;
  incidents: SlaIncident[];
  incidentTenants: IncidentTenantRow[];
  timeline: TimelineRow[];
  roleBindings: RoleBinding[];
  clocks: SlaClock[];
  events: EventRow[];
  runs: RunRow[];
  runSteps: RunStepRow[];
  backups: BackupRecord[];
}

export type TableName =
  | 'tenants'
  | 'incidents'
  | 'incident_tenants'
  | 'timeline'
  | 'sla_clocks'
  | 'sla_events'
  | 'runbook_runs'
  | 'runbook_steps'
  | 'backups';

/** One row written: its table, and the tenants whose data it is. */
export interface WriteRecord {
  table: TableName;
  op: 'insert' | 'update';
  tenants: string[];
  /** The incident the row concerns (0: none, e.g. a runbook run outside an incident). */
  incident: number;
  /** What was written, for reading a failure: `update`, `security_notify`, `pinned`… */
  what: string;
}

export interface TxRecord {
  /** `tenants acme,globex` or `platform (reason)`, as Scope prints itself. */
  scope: string;
  platform: boolean;
  writes: WriteRecord[];
  outcome: 'open' | 'committed' | 'rolled back';
}

/**
 * A deep copy of rows (plain objects, arrays, Dates, Maps), as a query returns fresh values.
 * Not structuredClone: under jest it makes Dates of another realm, which `instanceof Date` refuses.
 */
export function clone<T>(value: T): T {
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => clone(v)) as T;
  if (value instanceof Map)
    return new Map([...(value as Map<unknown, unknown>)].map(([k, v]) => [k, clone(v)])) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = clone(v);
    return out as T;
  }
  return value;
}

export const TENANT_ID = /^[a-z0-9-]{2,40}$/; // the CHECK constraints of the migrations

/** Postgres' message when a row fails a policy's WITH CHECK. */
export function rlsViolation(table: TableName): Error {
  return new Error(`new row violates row-level security policy for table "${table}"`);
}

/** The policies of one transaction, for the scope it runs in. */
export class Rls {
  constructor(
    private readonly db: MemoryDb,
    private readonly scope: Scope,
    private readonly record: TxRecord,
  ) {}

  get t(): Tables {
    return this.db.tables;
  }

  /** `tenant_scope_allows(ids)`: platform, or one of `ids` in scope (reading). */
  allows(ids: readonly string[]): boolean {
    if (this.scope.isPlatform) return true;
    return ids.some((id) => this.scope.includes(id));
  }

  /** `tenant_scope_covers(ids)`: platform, or every one of `ids` in a non-empty scope (writing). */
  covers(ids: readonly string[]): boolean {
    if (this.scope.isPlatform) return true;
    const mine = this.scope.tenants ?? [];
    return mine.length > 0 && ids.every((id) => mine.includes(id));
  }

  /** incidents_read / incidents_update USING. */
  seesIncident(number: number): SlaIncident | undefined {
    return this.t.incidents.find((i) => i.number === number && this.allows(i.tenants));
  }

  /** sla_clocks_scope / sla_events_scope: the tenant's, or '*' on an incident the scope sees. */
  seesClockOf(tenant: string, incident: number): boolean {
    return this.allows([tenant]) || (tenant === '*' && this.seesIncident(incident) !== undefined);
  }

  visibleClocks(): SlaClock[] {
    return this.t.clocks.filter((c) => this.seesClockOf(c.tenant, c.incident));
  }

  visibleEvents(): EventRow[] {
    return this.t.events.filter((e) => this.seesClockOf(e.tenant, e.incident));
  }

  /** The tenants a clock or event row belongs to ('*': all of its incident's). */
  ownersOf(tenant: string, incident: number): string[] {
    if (tenant !== '*') return [tenant];
    return [...(this.t.incidents.find((i) => i.number === incident)?.tenants ?? [])];
  }

  wrote(w: WriteRecord): void {
    this.record.writes.push({ ...w, tenants: [...w.tenants] });
  }

  /** A clock or event row written: its tenants are its own, or its incident's for '*'. */
  wroteSla(
    table: 'sla_clocks' | 'sla_events',
    row: { tenant: string; incident: number },
    op: 'insert' | 'update',
    what: string,
  ): void {
    const tenants = this.ownersOf(row.tenant, row.incident);
    this.wrote({ table, op, tenants, incident: row.incident, what });
  }

  next(sequence: keyof MemoryDb['sequences']): number {
    this.db.sequences[sequence] += 1;
    return this.db.sequences[sequence];
  }
}

const empty = (): Tables => ({
  tenants: [],
  tenantCreatedAt: {},
  incidents: [],
  incidentTenants: [],
  timeline: [],
  roleBindings: [],
  clocks: [],
  events: [],
  runs: [],
  runSteps: [],
  backups: [],
});

/**
 * tenantops' database in memory. `transaction` runs one at a time: a transaction that throws
 * is rolled back (the tables go back to how they were), like Postgres' ROLLBACK.
 */
export class MemoryDb {
  tables: Tables = empty();
  readonly sequences = { incident: 0, timeline: 0, clock: 0, event: 0, run: 0 };
  readonly transactions: TxRecord[] = [];
  private open: TxRecord | undefined;
  private opened = 0;
  private interleaved: { at: number; fn: (t: Tables) => void }[] = [];

  /**
   * Another connection's commit landing between two of the code's transactions: `fn` changes
   * the tables just before the `nth` transaction from now begins.
   */
  interleave(nth: number, fn: (t: Tables) => void): void {
    this.interleaved.push({ at: this.opened + nth, fn });
  }

  async transaction<T>(scope: Scope, fn: (rls: Rls) => Promise<T>): Promise<T> {
    // The adapters refuse anything but a Scope (database.ts, scopeSetting).
    if (!isScope(scope)) throw new TypeError('a database scope must be a Scope');
    // The rollback below restores one snapshot, so two transactions can't interleave here. In
    // the code, a transaction opened inside another would also wait for a second connection
    // while holding the first (what recordDenials avoids for audit rows).
    if (this.open)
      throw new Error(
        `a transaction in ${scope.toString()} was opened while one in ${this.open.scope} is open`,
      );
    this.opened += 1;
    for (const other of this.interleaved.filter((x) => x.at === this.opened)) other.fn(this.tables);
    const record: TxRecord = {
      scope: scope.toString(),
      platform: scope.isPlatform,
      writes: [],
      outcome: 'open',
    };
    this.transactions.push(record);
    this.open = record;
    const before = clone(this.tables);
    try {
      const result = await fn(new Rls(this, scope, record));
      record.outcome = 'committed';
      return result;
    } catch (err) {
      this.tables = before;
      record.outcome = 'rolled back';
      throw err;
    } finally {
      this.open = undefined;
    }
  }

  /** Committed transactions that wrote something. */
  writeTransactions(): TxRecord[] {
    return this.transactions.filter((t) => t.outcome === 'committed' && t.writes.length > 0);
  }

  /** Every row written by a committed transaction. */
  committedWrites(): WriteRecord[] {
    return this.writeTransactions().flatMap((t) => t.writes);
  }

  /** Forgets the transactions so far (after a test's setup). */
  clearLog(): void {
    this.transactions.length = 0;
  }

  /** Platform-wide setup, outside any transaction (the config sync's rows). */
  seed(fn: (t: Tables) => void): void {
    fn(this.tables);
  }
}
