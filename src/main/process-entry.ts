import { readdirSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
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

/**
 * SIGTERM/SIGINT: stop taking work, let in-flight work finish, close pools, exit. Installed
 * before start, so a signal during start-up waits for the runtime and then stops it cleanly.
 */
export function handleSignals(): { attach(runtime: Runtime): void } {
  let runtime: Runtime | undefined;
  let requested: string | undefined;
  let stopping = false;
  const stop = () => {
    if (stopping || !runtime || !requested) return;
    stopping = true;
    runtime.log.info({ signal: requested }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 25_000);
    force.unref();
    void runtime.stop().then(() => process.exit(0));
  };
  const onSignal = (signal: string) => {
    requested ??= signal;
    stop();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  return {
    attach(r) {
      runtime = r;
      stop();
    },
  };
}

/**
 * The process's other threads (Linux: /proc/self/task). On Linux a niceness belongs to a thread:
 * V8's garbage-collection and compiler threads, started before our code runs, keep theirs.
 */
function otherThreads(): number[] {
  try {
    return readdirSync('/proc/self/task')
      .map(Number)
      .filter((tid) => Number.isInteger(tid) && tid !== process.pid);
  } catch {
    return []; // not Linux: the niceness is the process's own
  }
}

/**
 * A worker-only process lowers its CPU priority to `nice` (never raises it: an operator's own
 * `nice` stays), so on a host shared with `web` a storm of jobs cannot starve Slack's acks. Every
 * thread is lowered (its garbage collector and compiler included); threads started later inherit
 * it. Returns what happened, for the start-up log line.
 */
export function yieldCpu(nice: number): {
  nice: number;
  changed: boolean;
  threads?: number;
  error?: string;
} {
  try {
    const current = getPriority();
    if (nice <= current) return { nice: current, changed: false };
    setPriority(nice);
    let threads = 1;
    for (const tid of otherThreads()) {
      try {
        if (getPriority(tid) < nice) setPriority(tid, nice);
        threads += 1;
      } catch {
        // the thread ended meanwhile
      }
    }
    return { nice: getPriority(), changed: true, threads };
  } catch (err) {
    return { nice, changed: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export function failStart(err: unknown): never {
  process.stderr.write(
    `tenantops: failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exit(1);
}
