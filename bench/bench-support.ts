import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

export const ROOT = path.resolve(__dirname, '..');

/** A throwaway database on the benchmark's Postgres, dropped at the end. */
export async function freshDatabase(
  adminUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Compiles to dist/ once, so benchmarks measure the processes as production runs them. */
export function build(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/** Runs a compiled tenantops entry point (dist/src/main/<name>.js) as a child process. */
/**
 * The node flags `npm run start:<name>` (what the Procfile runs) starts with, `${VAR:-default}`
 * expanded from the environment: a benchmark runs the process as production does.
 */
export function productionFlags(name: string): string[] {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts[`start:${name}`] ?? '';
  return script
    .replace(/\$\{(\w+):-([^}]*)\}/g, (_, v: string, d: string) => process.env[v] ?? d)
    .split(/\s+/)
    .filter((t) => t.startsWith('--'));
}

export function runEntry(
  name: string,
  env: Record<string, string>,
  onLine?: (line: string) => void,
): ChildProcess {
  // BENCH_NODE_ARGS: extra flags for the measured processes (`--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const flags = [
    ...productionFlags(name),
    ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ];
  const child = spawn(
    process.execPath,
    [...flags, path.join(ROOT, 'dist/src/main', `${name}.js`)],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const forward = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter(Boolean)
      .forEach((l) => onLine?.(l));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });
}

/** Peak resident memory (VmHWM) of a process, in MB, from /proc. */
export function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] as number;
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
}
