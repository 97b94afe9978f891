import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { envSchema, fileConfigSchema, type Env, type FileConfig } from './schema';
import { slaConfigProblems } from './check-sla-durations';
import { compileMaskingPattern, MaskingPatternError } from '../domain/masking';

export type SlackMode = 'http' | 'socket' | 'console';

/** Everything the process needs to know, validated once at start. */
export interface AppConfig {
  env: Env;
  file: FileConfig;
  configPath: string;
  slackMode: SlackMode;
  dataDir: string;
}

/** A configuration problem; its message names the offending key. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describeIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `  ${key}: ${issue.message}`;
  });
  return `Invalid configuration in ${source}:\n${lines.join('\n')}`;
}

function pickConfigPath(env: Env, cwd: string): string {
  if (env.TENANTOPS_CONFIG) return path.resolve(cwd, env.TENANTOPS_CONFIG);
  const local = path.resolve(cwd, 'tenantops.yaml');
  if (existsSync(local)) return local;
  return path.join(packageRoot(), 'tenantops.example.yaml');
}

/** The folder holding package.json: the same from src/ (tsx) and dist/src/ (compiled). */
function packageRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir)
    dir = path.dirname(dir);
  return dir;
}

/** Parses and validates a config file's text (YAML or JSON). */
export function parseConfigText(text: string, source: string): FileConfig {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`Cannot parse ${source}: ${(err as Error).message}`);
  }
  const parsed = fileConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, source));
  checkCrossReferences(parsed.data, source);
  return parsed.data;
}

function checkCrossReferences(file: FileConfig, source: string): void {
  const ids = new Set<string>();
  file.tenants.forEach((t, i) => {
    if (ids.has(t.id))
      throw new ConfigError(
        `Invalid configuration in ${source}:\n  tenants.${i}.id: duplicate tenant id "${t.id}"`,
      );
    ids.add(t.id);
  });
  file.roles.forEach((r, i) => {
    if (r.tenant !== '*' && !ids.has(r.tenant)) {
      throw new ConfigError(
        `Invalid configuration in ${source}:\n  roles.${i}.tenant: unknown tenant "${r.tenant}"`,
      );
    }
  });
  if (file.incidents.mode === 'thread' && !file.incidentChannel) {
    throw new ConfigError(
      `Invalid configuration in ${source}:\n  incidentChannel: required when incidents.mode is "thread"`,
    );
  }
  try {
    Intl.DateTimeFormat('en', { timeZone: file.postmortem.timezone });
  } catch {
    throw new ConfigError(
      `Invalid configuration in ${source}:\n  postmortem.timezone: unknown time zone "${file.postmortem.timezone}"`,
    );
  }
  checkMaskingPatterns(file, source);
  const sla = slaConfigProblems(file);
  if (sla.length > 0) {
    throw new ConfigError(`Invalid configuration in ${source}:\n  ${sla.join('\n  ')}`);
  }
}

// Compiled here once so a bad pattern stops the start, not the first log line that meets it.
function checkMaskingPatterns(file: FileConfig, source: string): void {
  file.masking.patterns.forEach((pattern, i) => {
    try {
      compileMaskingPattern(pattern);
    } catch (err) {
      if (!(err instanceof MaskingPatternError)) throw err;
      throw new ConfigError(
        `Invalid configuration in ${source}:\n  masking.patterns.${i}.regex: ${err.message}`,
      );
    }
  });
}

/** Reads env and the config file; throws ConfigError naming the bad key. */
export function loadConfig(
  rawEnv: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): AppConfig {
  const cleaned = Object.fromEntries(
    Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''),
  );
  const envParsed = envSchema.safeParse(cleaned);
  if (!envParsed.success) throw new ConfigError(describeIssues(envParsed.error, 'environment'));
  const env = envParsed.data;
  if (env.VAULT_ADDR && !env.VAULT_TOKEN)
    throw new ConfigError(
      'VAULT_TOKEN: required with VAULT_ADDR (tenant keys live in Vault; without VAULT_ADDR a dev-only local keyring is used)',
    );
  const configPath = pickConfigPath(env, cwd);
  if (!existsSync(configPath))
    throw new ConfigError(`TENANTOPS_CONFIG: file not found: ${configPath}`);
  const file = parseConfigText(readFileSync(configPath, 'utf8'), configPath);
  if (file.target.gatewayUrl && !env.GATEWAY_SIGNING_SECRET)
    throw new ConfigError(
      'GATEWAY_SIGNING_SECRET: required when target.gatewayUrl is set (control changes are POSTed there signed)',
    );
  return {
    env,
    file,
    configPath,
    slackMode: slackModeOf(env),
    dataDir: path.resolve(cwd, env.TENANTOPS_DATA_DIR),
  };
}

function slackModeOf(env: Env): SlackMode {
  if (env.SLACK_APP_TOKEN) {
    if (!env.SLACK_BOT_TOKEN)
      throw new ConfigError('SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN (Socket Mode)');
    return 'socket';
  }
  if (env.SLACK_BOT_TOKEN || env.SLACK_SIGNING_SECRET) {
    if (!env.SLACK_BOT_TOKEN)
      throw new ConfigError('SLACK_BOT_TOKEN: required with SLACK_SIGNING_SECRET');
    if (!env.SLACK_SIGNING_SECRET)
      throw new ConfigError('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN');
    return 'http';
  }
  return 'console';
}
