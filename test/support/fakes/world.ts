// The incident and SLA use cases wired to in-memory ports: the access tests' world. Tenants
// acme, globex and initech; people with a role on acme only, globex only, both, platform-wide
// ('*'), and none.
import type { RoleBinding } from '../../../src/domain/access/access';
import type { Incident } from '../../../src/domain/incidents/incident';
import { declareIncident } from '../../../src/app/declare-incident';
import type { Actor, IncidentDeps } from '../../../src/app/incident-deps';
import type { SlaDeps } from '../../../src/app/sla-deps';
import { slaListener } from '../../../src/app/sla-listener';
import { markSecurityIncident } from '../../../src/app/sla-security';
import { MemoryAccessStore, MemoryAuditLog } from './memory-access';
import { MemoryDb } from './memory-db';
import { MemoryIncidentStore } from './memory-incident-store';
import { MemorySlaStore } from './memory-sla-store';
import {
  FixedClock,
  RecordingLog,
  RecordingNotifier,
  RecordingOutbox,
  RecordingSecurityRoom,
  RecordingTimers,
} from './recording-ports';

/** Who acts: each holds commander and comms on their tenants (platform: commander on '*'). */
export const ACTORS = {
  acme: { user: 'U0ACME', tenants: ['acme'] },
  globex: { user: 'U0GLOBEX', tenants: ['globex'] },
  both: { user: 'U0BOTH', tenants: ['acme', 'globex'] },
  platform: { user: 'U0ADMIN', tenants: '*' },
  none: { user: 'U0NONE', tenants: [] },
} as const satisfies Record<string, { user: string; tenants: readonly string[] | '*' }>;
export type ActorName = keyof typeof ACTORS;
export const ACTOR_NAMES = Object.keys(ACTORS) as ActorName[];

/** The incidents acted on. initech is on none of them, and only the platform actor holds it. */
export const INCIDENT_KINDS = {
  acme: ['acme'],
  globex: ['globex'],
  shared: ['acme', 'globex'],
} as const satisfies Record<string, readonly string[]>;
export type IncidentKind = keyof typeof INCIDENT_KINDS;
export const INCIDENT_KIND_NAMES = Object.keys(INCIDENT_KINDS) as IncidentKind[];

export const TENANTS = ['acme', 'globex', 'initech'] as const;

export const NOW = new Date('2026-03-10T09:00:00Z');
const HOUR = 3_600_000;

function bindings(): RoleBinding[] {
  const out: RoleBinding[] = [{ user: ACTORS.platform.user, tenant: '*', role: 'commander' }];
  for (const name of ['acme', 'globex', 'both'] as const)
    for (const tenant of ACTORS[name].tenants)
      for (const role of ['commander', 'comms'] as const)
        out.push({ user: ACTORS[name].user, tenant, role });
  return out;
}

export interface World {
  db: MemoryDb;
  audit: MemoryAuditLog;
  notifier: RecordingNotifier;
  timers: RecordingTimers;
  room: RecordingSecurityRoom;
  log: RecordingLog;
  clock: FixedClock;
  incidents: IncidentDeps;
  sla: SlaDeps;
  /** The person `name` acting, optionally from a channel (and thread). */
  actor(name: ActorName, where?: { channel?: string; threadTs?: string }): Actor;
  /** An incident declared by the platform actor (its SLA clocks started), setup not logged. */
  seed(kind: IncidentKind | readonly string[], opts?: { security?: boolean }): Promise<Incident>;
  /** Forgets transactions, audit rows, chat calls and log lines so far. */
  forget(): void;
}

export function makeWorld(opts: { mode?: 'channel' | 'thread'; tenants?: string[] } = {}): World {
  const mode = opts.mode ?? 'channel';
  const db = new MemoryDb();
  db.seed((t) => {
    for (const id of opts.tenants ?? TENANTS)
      t.tenants.push({ id, name: id.toUpperCase(), plan: 'default', commsChannel: null });
    t.roleBindings.push(...bindings());
  });
  const audit = new MemoryAuditLog();
  const notifier = new RecordingNotifier(mode);
  const clock = new FixedClock(NOW);
  const timers = new RecordingTimers();
  const room = new RecordingSecurityRoom();
  const log = new RecordingLog();
  const incidents: IncidentDeps = {
    store: new MemoryIncidentStore(db),
    access: new MemoryAccessStore(db),
    audit,
    notifier,
    clock,
    listeners: [],
  };
  const sla: SlaDeps = {
    store: new MemorySlaStore(db),
    timers,
    incidents,
    outbox: new RecordingOutbox(),
    room,
    clock,
    log,
    settings: {
      policies: {
        default: {
          P1: { firstResponse: 'PT30M', updateEvery: 'PT60M' },
          P2: { firstResponse: 'PT30M', updateEvery: 'PT60M' },
        },
      },
      notifyWithinMs: 72 * HOUR,
      postmortem: { dueBusinessDays: 5, holidays: [], timezone: 'UTC' },
      mode,
      leaseMs: 60_000,
    },
  };
  incidents.listeners?.push(slaListener(sla));
  const actor = (name: ActorName, where: { channel?: string; threadTs?: string } = {}): Actor => ({
    user: ACTORS[name].user,
    ...where,
  });
  const forget = () => {
    db.clearLog();
    audit.clear();
    notifier.clear();
    log.lines.length = 0;
  };
  const seed = async (
    kind: IncidentKind | readonly string[],
    seedOpts: { security?: boolean } = {},
  ): Promise<Incident> => {
    const tenants = typeof kind === 'string' ? INCIDENT_KINDS[kind] : kind;
    const admin = actor('platform');
    let incident = await declareIncident(incidents, admin, {
      severity: 'P2',
      tenants: [...tenants],
      title: `Errors on ${tenants.join(' and ')}`,
    });
    if (seedOpts.security)
      incident = (await markSecurityIncident(sla, admin, { ref: incident.number })).incident;
    // The SLA listener logs its failures instead of throwing: a setup that failed must not pass.
    if (log.errors().length > 0) throw new Error(`setup failed: ${log.errors().join('; ')}`);
    forget();
    return incident;
  };
  return { db, audit, notifier, timers, room, log, clock, incidents, sla, actor, seed, forget };
}
