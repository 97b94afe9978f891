// Procfile `web`: Slack endpoint, alert receivers, health and metrics. Never migrates.
import { configOrExit, exitOnSignals, failStart } from './process-entry';
import { startRuntime } from './runtime';

startRuntime(configOrExit(), { web: true, worker: false, migrate: false }).then(
  exitOnSignals,
  failStart,
);
