// Procfile `worker`: BullMQ workers (SLA clocks, alerts, Slack delivery). Never migrates.
import { configOrExit, exitOnSignals, failStart } from './process-entry';
import { startRuntime } from './runtime';

startRuntime(configOrExit(), { web: false, worker: true, migrate: false }).then(
  exitOnSignals,
  failStart,
);
