import type { ModuleFactory } from './module';

/**
 * The capabilities this build runs, in start order. Each is self-contained: it registers its
 * listeners, routes, queues and workers through the ModuleContext.
 */
export const MODULES: ModuleFactory[] = [];
