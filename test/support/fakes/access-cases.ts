// What the access tests expect, written from the rule in README "Access" and domain/access
// (not computed by it): `every` needs a role on all the tenants, `each` applies to those covered
// and skips the rest, `any` needs one.
import { expect } from '@jest/globals';
import { AccessDenied } from '../../../src/app/incident-guard';
import {
  ACTOR_NAMES,
  ACTORS,
  INCIDENT_KIND_NAMES,
  INCIDENT_KINDS,
  type ActorName,
  type IncidentKind,
  type World,
} from './world';

export type Outcome = 'done' | 'partial' | 'refused';
export type Reach = 'every' | 'each' | 'any';

/** The tenants of `tenants` the actor holds a role on. */
export function coveredFor(actor: ActorName, tenants: readonly string[]): string[] {
  const mine = ACTORS[actor].tenants;
  return tenants.filter((t) => mine === '*' || (mine as readonly string[]).includes(t));
}

export function expected(reach: Reach, actor: ActorName, tenants: readonly string[]): Outcome {
  const covered = coveredFor(actor, tenants);
  if (covered.length === 0) return 'refused';
  if (covered.length === tenants.length) return 'done';
  return reach === 'every' ? 'refused' : reach === 'each' ? 'partial' : 'done';
}

/** True when the actor can see the incident at all (a role on one of its tenants). */
export function sees(actor: ActorName, tenants: readonly string[]): boolean {
  return coveredFor(actor, tenants).length > 0;
}

/** The scope of the actor's own transactions, as Scope prints it. */
export function actorScope(actor: ActorName): string {
  const mine = ACTORS[actor].tenants;
  return mine === '*'
    ? `platform (platform-wide role binding of ${ACTORS[actor].user})`
    : `tenants ${mine.join(',')}`;
}

export const tenantsScope = (tenants: readonly string[]) =>
  `tenants ${[...tenants].sort().join(',')}`;

/** Keeping the SLA clocks in step with a committed change: system work (sla-clocks.ts). */
export const CLOCKS_FOLLOW = 'platform (SLA clocks following an incident change)';

/** Every actor against every incident kind, for `it.each`. */
export function cells(): [ActorName, IncidentKind][] {
  return ACTOR_NAMES.flatMap((a) =>
    INCIDENT_KIND_NAMES.map((k): [ActorName, IncidentKind] => [a, k]),
  );
}

export const tenantsOf = (kind: IncidentKind): readonly string[] => INCIDENT_KINDS[kind];

export type Attempt<T> =
  { outcome: 'refused'; denied: AccessDenied } | { outcome: 'ran'; value: T };

/** Runs a use case: a refusal (AccessDenied) is an outcome; any other error fails the test. */
export async function attempt<T>(run: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { outcome: 'ran', value: await run() };
  } catch (err) {
    if (err instanceof AccessDenied) return { outcome: 'refused', denied: err };
    throw err;
  }
}

/** The scopes of the committed transactions that wrote, in order. */
export function writeScopes(world: World): string[] {
  return world.db.writeTransactions().map((t) => t.scope);
}

/**
 * Tenant isolation after the fact: every row a committed transaction wrote belongs only to
 * tenants the actor holds a role on (the system's follow-up writes included).
 */
export function expectOnlyOwnRowsWritten(world: World, actor: ActorName): void {
  const foreign = world.db
    .committedWrites()
    .filter((w) => coveredFor(actor, w.tenants).length !== w.tenants.length)
    .map((w) => `${w.table} ${w.op} ${w.what} of ${w.tenants.join(',')}`);
  expect(foreign).toEqual([]);
}

/** A refusal: nothing written, nothing said in the incident's channel, one audit row. */
export function expectRefused(
  world: World,
  actor: ActorName,
  audit: { action: string; incident?: number; tenants?: readonly string[] },
): void {
  expect(writeScopes(world)).toEqual([]);
  expect(world.notifier.calls).toEqual([]);
  const rows = world.audit.denials(ACTORS[actor].user);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    action: audit.action,
    outcome: 'denied',
    ...(audit.incident === undefined ? {} : { incident: audit.incident }),
    ...(audit.tenants === undefined ? {} : { tenantIds: [...audit.tenants] }),
  });
  expect(rows[0]?.reason).toBeTruthy();
}

/** One refusal row per skipped tenant, each naming that tenant only, and no other refusal. */
export function expectSkippedAudited(
  world: World,
  actor: ActorName,
  action: string,
  incident: number,
  skipped: readonly string[],
): void {
  const rows = world.audit.denials(ACTORS[actor].user);
  expect(
    rows.map((r) => ({ action: r.action, incident: r.incident, tenants: r.tenantIds })),
  ).toEqual(skipped.map((t) => ({ action, incident, tenants: [t] })));
  for (const r of rows) expect(r.reason).toMatch(/^skipped: /);
}
