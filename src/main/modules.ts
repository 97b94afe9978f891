import type { ModuleFactory } from './module';
import { slaModule } from './sla-module';
import { slackDeliveryModule } from './slack-delivery-module';
import { alertsModule } from './alerts-module';
import { createPostmortemModule } from './postmortem-module';
import { runbookContributor } from '../app/runbooks/runbook-postmortem';
import { PgRunbookStore } from '../adapters/postgres/pg-runbook-store';
import { runbookModule } from './runbook-module';
import { checklistModule } from './checklist-module';

/**
 * The capabilities this build runs, in start order. Each is self-contained: it registers its
 * listeners, routes, queues and workers through the ModuleContext.
 */
// Stopped last-first: SLA posts wait for Slack deliveries, so SLA stops before slack-delivery.
// Post-mortems come after SLA: a customer draft reads the clock an update just reset.
export const MODULES: ModuleFactory[] = [
  slackDeliveryModule,
  slaModule,
  alertsModule,
  runbookModule,
  checklistModule,
  // A draft shows the incident's runbook runs.
  createPostmortemModule({
    contributors: (ctx) => [runbookContributor(new PgRunbookStore(ctx.storage.db))],
  }),
];
