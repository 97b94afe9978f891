import { ConfigError, loadConfig, type AppConfig } from '../config/load-config';
import type { Runtime } from './runtime';

/** Loads config or exits with the message naming the bad key. */
export function configOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tenantops: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** SIGTERM/SIGINT: stop taking work, let in-flight work finish, close pools, exit. */
export function exitOnSignals(runtime: Runtime): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    runtime.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    void runtime.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

export function failStart(err: unknown): never {
  process.stderr.write(
    `tenantops: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}
