// Procfile `worker`: BullMQ workers (SLA clocks, alerts, Slack delivery). Never migrates.
import { configOrExit, failStart, handleSignals } from './process-entry';
import { startRuntime } from './runtime';

const signals = handleSignals();
startRuntime(configOrExit(), { web: false, worker: true, migrate: false }).then(
  (runtime) => signals.attach(runtime),
  failStart,
);
