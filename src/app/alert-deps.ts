import type { AlertRule } from '../domain/alerts/alert-rules';
import type { AlertIntake, AlertJobs, AlertStore } from '../ports/alert-store';
import type { ChatOutbox } from '../ports/chat-outbox';
import type { Clock } from '../ports/clock';
import type { IncidentDeps } from './incident-deps';

/** The alert pipeline's settings, from the config file (`alerts`, `incidentChannel`). */
export interface AlertSettings {
  rules: readonly AlertRule[];
  tenantLabels: readonly string[];
  /** Where tenant problems without an incident, platform alerts and unknown tenants get threads. */
  incidentChannel?: string;
}

/** Structured logging, object first (pino's shape), without depending on pino. */
export interface AlertLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What the alert use cases need. */
export interface AlertDeps {
  intake: AlertIntake;
  store: AlertStore;
  jobs: AlertJobs;
  /** Slack without waiting: an alert storm must never wait on Slack's rate limits. */
  outbox: ChatOutbox;
  incidents: IncidentDeps;
  clock: Clock;
  settings: AlertSettings;
  log: AlertLog;
}

/** Who declares incidents opened by alert rules (audit log, timeline, card). */
export const ALERT_ACTOR = 'alertmanager';
