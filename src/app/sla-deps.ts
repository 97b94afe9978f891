import type { ChatOutbox } from '../ports/chat-outbox';
import type { SlaPolicies } from '../domain/sla/clock-plan';
import type { Clock } from '../ports/clock';
import type { SecurityRoom } from '../ports/sla-security-room';
import type { SlaStore } from '../ports/sla-store';
import type { SlaTimers } from '../ports/sla-timers';
import type { IncidentDeps } from './incident-deps';

/** The config the clocks follow (PRODUCT.md §4), durations already parsed. */
export interface SlaSettings {
  policies: SlaPolicies;
  notifyWithinMs: number;
  postmortem: { dueBusinessDays: number; holidays: string[]; timezone: string };
  /** channel: a security incident moves to a private channel; thread: it stays in its thread. */
  mode: 'channel' | 'thread';
  /** How long a worker may hold an event to post it before another may take over. */
  leaseMs: number;
}

/** Structured logging, object first (pino's shape), without depending on pino. */
export interface SlaLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the SLA use cases need. */
export interface SlaDeps {
  store: SlaStore;
  timers: SlaTimers;
  /** The incident use cases' deps: incident store, access, audit, notifier. */
  incidents: IncidentDeps;
  /** Where SLA messages go: durable, each with a receipt (see sla-post). */
  outbox: ChatOutbox;
  /** Channel mode: the private channel a security incident moves to. */
  room: SecurityRoom;
  clock: Clock;
  settings: SlaSettings;
  log: SlaLog;
}
