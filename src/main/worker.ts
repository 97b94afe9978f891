// Procfile `worker`: BullMQ workers (SLA clocks, alerts, Slack delivery). Never migrates.
import { configOrExit, failStart, handleSignals, yieldCpu } from './process-entry';
import { startRuntime } from './runtime';

const signals = handleSignals();
const config = configOrExit();
// Background work yields to `web` where they share a host (WORKER_NICE; 0 leaves it).
const priority = yieldCpu(config.env.WORKER_NICE);
startRuntime(config, { web: false, worker: true, migrate: false }).then((runtime) => {
  if (priority.error)
    runtime.log.warn({ err: priority.error }, 'could not lower the worker CPU priority');
  else runtime.log.info({ nice: priority.nice, threads: priority.threads }, 'worker CPU priority');
  signals.attach(runtime);
}, failStart);
