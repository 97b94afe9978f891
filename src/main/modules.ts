import type { ModuleFactory } from './module';
import { slaModule } from './sla-module';
import { slackDeliveryModule } from './slack-delivery-module';
import { alertsModule } from './alerts-module';

/**
 * The capabilities this build runs, in start order. Each is self-contained: it registers its
 * listeners, routes, queues and workers through the ModuleContext.
 */
export const MODULES: ModuleFactory[] = [slaModule, slackDeliveryModule, alertsModule];
