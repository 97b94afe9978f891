// A worker process for tests that kill one mid-step: the real runtime (worker only) on the
// parent test's database schema and queue prefix, which `worker.ts` can't be told by env.
// Usage: tsx test/support/runbook-worker-child.ts <schema|-> <queuePrefix>
import { loadConfig } from '../../src/config/load-config';
import { startRuntime } from '../../src/main/runtime';

const [schemaArg = '-', queuePrefix] = process.argv.slice(2);

startRuntime(loadConfig(), {
  web: false,
  worker: true,
  migrate: false,
  ...(schemaArg === '-' ? {} : { schema: schemaArg }),
  ...(queuePrefix ? { queuePrefix } : {}),
}).then(
  (runtime) => {
    process.stdout.write('worker ready\n');
    process.once('SIGTERM', () => void runtime.stop().then(() => process.exit(0)));
  },
  (err: unknown) => {
    process.stderr.write(`worker failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
