import type { AppConfig } from '../config/load-config';
import type { IncidentDeps } from '../app/incident-deps';
import type { SlaDeps } from '../app/sla-deps';
import type { ChatPort } from '../ports/chat';
import type { Clock } from '../ports/clock';
import type { Logger } from '../adapters/logging/logger';
import type { Route } from '../adapters/http/http-server';
import type { Metrics } from '../adapters/http/metrics';
import type { AnyAppQueue, QueueFactory } from '../adapters/queue/queue-backend';
import type { Storage } from './storage';
import type { Readiness } from './web-routes';
import type { ConsoleCommand } from '../adapters/console/console-receiver';
import type { CommandDeps, StatusSection, TenantSection } from '../../commands';

/** What a capability (SLA clocks, alerts, ...) gets from the composition root. */
export interface ModuleContext {
  config: AppConfig;
  log: Logger;
  storage: Storage;
  queues: QueueFactory;
  chat: ChatPort;
  clock: Clock;
  metrics: Metrics;
  /** The incident use cases' deps; a module may push listeners into `incidents.listeners`. */
  incidents: IncidentDeps;
  /** Which processes this runtime plays: web (HTTP + Slack) and/or worker (BullMQ workers). */
  web: boolean;
  worker: boolean;
  /** Console mode (`npm start` without Slack tokens): the demo target may stand in for the SaaS. */
  console: boolean;
  /** Set by the SLA module for the modules after it (a leak response marks security incidents). */
  sla?: SlaDeps;
}

/** What a capability adds to the runtime. Everything is optional. */
export interface RuntimeModule {
  name: string;
  routes?: Route[];
  readiness?: Readiness[];
  /** Its sections of `/incident status`, in the order modules start. */
  statusSections?: StatusSection[];
  /** Its sections of `/tenant status`. */
  tenantSections?: TenantSection[];
  /** What its Slack listeners need (e.g. the SLA deps for `/incident security`). */
  commandDeps?: Partial<
    Omit<CommandDeps, 'incidents' | 'chat' | 'statusSections' | 'tenantSections'>
  >;
  /** The BullMQ queues it owns, shown on the queue dashboard (`/admin/queues`). */
  queues?: AnyAppQueue[];
  /** Console-only commands (console mode). */
  consoleCommands?: ConsoleCommand[];
  /** Queue depths for /metrics. */
  queueDepths?(): Promise<{ queue: string; state: string; count: number }[]>;
  /** Starts workers, reconcilers, timers (called after the web side is up). */
  start?(): Promise<void>;
  /** Stops taking work and lets in-flight work finish. */
  stop?(): Promise<void>;
  /** Called once a console session has read all input: resolves when its work is done. */
  idle?(): Promise<void>;
}

export type ModuleFactory = (ctx: ModuleContext) => Promise<RuntimeModule> | RuntimeModule;
