import { expect } from '@jest/globals';
import type { Stack } from './stack';
import { ALL } from './scopes';

/** The matrix's people: a role on acme only, globex only, both, or none (initech is neutral). */
export const ACTORS = {
  none: { user: 'U0NONE', tenants: [] as string[] },
  acme: { user: 'U0ACME', tenants: ['acme'] },
  globex: { user: 'U0GLOBEX', tenants: ['globex'] },
  both: { user: 'U0BOTH', tenants: ['acme', 'globex'] },
} as const;
export type ActorName = keyof typeof ACTORS;

export const INCIDENT_KINDS = {
  acme: ['acme'],
  globex: ['globex'],
  shared: ['acme', 'globex'],
} as const;
export type IncidentKind = keyof typeof INCIDENT_KINDS;

/**
 * Every actor holds commander + comms + approver on its tenants (and commander on initech, the
 * neutral third); U0ADMIN, a platform-wide commander, sets the cells up (declares, starts runs).
 */
export const MATRIX_CONFIG = (mode: 'channel' | 'thread') => `
tenants:
  - { id: acme, name: Acme Corp, plan: enterprise, commsChannel: C0ACMECOMM }
  - { id: globex, name: Globex, plan: business }
  - { id: initech, name: Initech, plan: default }
slaPolicies:
  default:
    P1: { firstResponse: PT30M, updateEvery: PT60M }
    P2: { firstResponse: PT30M, updateEvery: PT60M }
security: { notifyWithin: PT72H }
incidents: { mode: ${mode} }
incidentChannel: C0INCIDENTS
roles:
  - { user: U0ADMIN, tenant: '*', role: commander }
  - { user: U0ACME, tenant: acme, role: commander }
  - { user: U0ACME, tenant: acme, role: comms }
  - { user: U0ACME, tenant: acme, role: approver }
  - { user: U0ACME, tenant: initech, role: commander }
  - { user: U0GLOBEX, tenant: globex, role: commander }
  - { user: U0GLOBEX, tenant: globex, role: comms }
  - { user: U0GLOBEX, tenant: globex, role: approver }
  - { user: U0GLOBEX, tenant: initech, role: commander }
  - { user: U0BOTH, tenant: acme, role: commander }
  - { user: U0BOTH, tenant: acme, role: comms }
  - { user: U0BOTH, tenant: acme, role: approver }
  - { user: U0BOTH, tenant: globex, role: commander }
  - { user: U0BOTH, tenant: globex, role: comms }
  - { user: U0BOTH, tenant: globex, role: approver }
  - { user: U0BOTH, tenant: initech, role: commander }
`;

export type Outcome = 'done' | 'partial' | 'refused';

/**
 * The rule (README "Access") as the matrix expects it: `every` needs the role on all the
 * incident's tenants, `each` applies to those covered (partial when some are not), `any` needs
 * one of them.
 */
export function expected(
  reach: 'every' | 'each' | 'any',
  actor: ActorName,
  tenants: readonly string[],
): Outcome {
  const mine = ACTORS[actor].tenants as readonly string[];
  const covered = tenants.filter((t) => mine.includes(t));
  if (covered.length === 0) return 'refused';
  if (covered.length === tenants.length) return 'done';
  return reach === 'every' ? 'refused' : reach === 'each' ? 'partial' : 'done';
}

/** A reply's outcome as the person reads it. */
export function outcomeOf(reply: string): Outcome {
  if (/You can't|doesn't exist or isn't on a tenant|or you have no role on it/.test(reply))
    return 'refused';
  if (/Skipped|only: you have no role/.test(reply)) return 'partial';
  return 'done';
}

interface Row {
  table: string;
  key: string;
  tenants: string[];
  json: string;
}

/** Every tenant-owned row of these incidents (and the ones they made), read platform-wide. */
export async function snapshot(stack: Stack, incidents: readonly number[]): Promise<Row[]> {
  return stack.runtime.storage.db.scoped(ALL, async (c) => {
    const rows: Row[] = [];
    const add = (table: string, list: Record<string, unknown>[], tenants: (r: never) => string[]) =>
      list.forEach((r) =>
        rows.push({
          table,
          key: `${table}/${JSON.stringify(r.id ?? [r.incident_id, r.tenant_id])}`,
          tenants: tenants(r as never),
          json: JSON.stringify(r),
        }),
      );
    const ids = [...incidents];
    const q = async (sql: string) => (await c.query(sql, [ids])).rows as Record<string, unknown>[];
    add(
      'incidents',
      await q('SELECT * FROM incidents WHERE id = ANY($1)'),
      (r: { tenant_ids: string[] }) => r.tenant_ids,
    );
    add(
      'incident_tenants',
      await q('SELECT * FROM incident_tenants WHERE incident_id = ANY($1)'),
      (r: { tenant_id: string }) => [r.tenant_id],
    );
    add(
      'timeline',
      await q('SELECT * FROM timeline WHERE incident_id = ANY($1)'),
      (r: { tenant_ids: string[] }) => r.tenant_ids,
    );
    add(
      'sla_clocks',
      await q(
        `SELECT k.*, i.tenant_ids AS incident_tenants FROM sla_clocks k JOIN incidents i ON i.id = k.incident_id WHERE k.incident_id = ANY($1)`,
      ),
      (r: { tenant_id: string; incident_tenants: string[] }) =>
        r.tenant_id === '*' ? r.incident_tenants : [r.tenant_id],
    );
    add(
      'sla_events',
      await q('SELECT * FROM sla_events WHERE incident_id = ANY($1)'),
      (r: { tenant_id: string }) => [r.tenant_id],
    );
    add(
      'postmortems',
      await q('SELECT * FROM postmortems WHERE incident_id = ANY($1)'),
      (r: { tenant_ids: string[] }) => r.tenant_ids,
    );
    add(
      'postmortem_versions',
      await q('SELECT * FROM postmortem_versions WHERE incident_id = ANY($1)'),
      (r: { tenant_ids: string[] }) => r.tenant_ids,
    );
    return rows;
  });
}

/** A run and every run made after `since` (their steps too), read platform-wide. */
export async function runSnapshot(stack: Stack, run: number, since: number): Promise<Row[]> {
  return stack.runtime.storage.db.scoped(ALL, async (c) => {
    const runs = (
      await c.query('SELECT * FROM runbook_runs WHERE id = $1 OR id > $2', [run, since])
    ).rows as { id: string; tenant_id: string }[];
    const steps = (
      await c.query(
        'SELECT * FROM runbook_steps WHERE run_id = $1 OR run_id > $2 ORDER BY run_id, idx',
        [run, since],
      )
    ).rows as { run_id: string; idx: number; tenant_id: string }[];
    return [
      ...runs.map((r) => ({
        table: 'runbook_runs',
        key: `runbook_runs/${r.id}`,
        tenants: [r.tenant_id],
        json: JSON.stringify(r),
      })),
      ...steps.map((r) => ({
        table: 'runbook_steps',
        key: `runbook_steps/${r.run_id}/${r.idx}`,
        tenants: [r.tenant_id],
        json: JSON.stringify(r),
      })),
    ];
  });
}

/** Rows added, changed or removed between two snapshots. */
export function changedRows(before: Row[], after: Row[]): Row[] {
  const old = new Map(before.map((r) => [r.key, r.json]));
  const now = new Map(after.map((r) => [r.key, r]));
  const changed = after.filter((r) => old.get(r.key) !== r.json);
  const removed = before.filter((r) => !now.has(r.key));
  return [...changed, ...removed];
}

/** The isolation check: nothing of a tenant outside the actor's roles changed. */
export function expectOnlyOwnRowsChanged(rows: Row[], actor: ActorName, cell: string): void {
  const mine: string[] = [...ACTORS[actor].tenants, ...(actor === 'none' ? [] : ['initech'])];
  const foreign = rows.filter((r) => r.tenants.some((t) => !mine.includes(t)));
  expect({ cell, foreign: foreign.map((r) => `${r.key} ${r.tenants.join(',')}`) }).toEqual({
    cell,
    foreign: [],
  });
}

export async function deniedAuditRows(stack: Stack, actor: string): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `SELECT count(*) AS n FROM audit_log WHERE actor = $1 AND outcome = 'denied'`,
      [actor],
    );
    return Number(rows[0]?.n ?? 0);
  });
}
