// Procfile `web`: Slack endpoint, alert receivers, health and metrics. Never migrates.
import { configOrExit, failStart, handleSignals } from './process-entry';
import { startRuntime } from './runtime';

const signals = handleSignals();
startRuntime(configOrExit(), { web: true, worker: false, migrate: false }).then(
  (runtime) => signals.attach(runtime),
  failStart,
);
