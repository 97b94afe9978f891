import { DomainError } from '../errors';
import { parseIncidentRef } from '../incidents/incident';
import { parseIsoInstant } from '../sla/iso-instant';
import { parseEndpointPath } from '../target/controls';
import type { RunbookName } from './runbook';

/** One `key=value` a runbook takes: its check, and text for usage. */
interface ParamSpec {
  usage: string;
  required?: boolean;
  /** Returns the normalized value, or throws a message saying what is wrong. */
  check(value: string): string;
}

const INCIDENT: ParamSpec = {
  usage: 'incident=INC-n',
  check(v) {
    const n = parseIncidentRef(v);
    if (!n) throw new Error('must be an incident like INC-4');
    return `INC-${n}`;
  },
};

const oneOf = (usage: string, values: readonly string[]): ParamSpec => ({
  usage,
  check(v) {
    if (!values.includes(v)) throw new Error(`must be ${values.join(' or ')}`);
    return v;
  },
});

const TABLE = /^[a-z_][a-z0-9_]{0,62}$/;
const MIGRATION = /^\d{4}_[a-z0-9_]{1,60}$/;

/** `tables=a,b`: table names of the tenant's schema (checked against it by the runbook). */
const TABLES: ParamSpec = {
  usage: 'tables=<t1,t2>',
  check(v) {
    const names = v.split(',').filter(Boolean);
    const bad = names.find((t) => !TABLE.test(t));
    if (names.length === 0 || bad !== undefined)
      throw new Error(`"${bad ?? v}" is not a table name (lowercase, digits, _)`);
    return [...new Set(names)].join(',');
  },
};

/** The parameters of each runbook (PRODUCT.md §8). Flags: `--dry-run` (all), `--sandbox` (restore). */
export const RUNBOOK_PARAMS: Record<RunbookName, Record<string, ParamSpec>> = {
  'tenant-backup': { kind: oneOf('kind=full|incremental', ['full', 'incremental']) },
  'tenant-restore': {
    backup: {
      usage: 'backup=<id>',
      check(v) {
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(v)) throw new Error('must be a backup id');
        return v;
      },
    },
    at: {
      usage: 'at=<ISO time>',
      check: (v) => parseIsoInstant(v).toISOString(),
    },
    tables: TABLES,
    incident: INCIDENT,
  },
  'tenant-migrate': {
    migration: {
      usage: 'migration=<NNNN_name>',
      required: true,
      check(v) {
        if (!MIGRATION.test(v)) throw new Error('must be a migration name like 0003_add_status');
        return v;
      },
    },
    incident: INCIDENT,
  },
  'tenant-leak-response': {
    endpoint: {
      usage: 'endpoint=<path>',
      check(v) {
        try {
          return parseEndpointPath(v);
        } catch (err) {
          throw new Error(
            (err as Error).message.replace(/^endpoint=.* is not an endpoint path: /, ''),
          );
        }
      },
    },
    incident: INCIDENT,
  },
  'tenant-throttle': {
    rpm: {
      usage: 'rpm=<n>',
      required: true,
      check(v) {
        const n = Number(v);
        if (!/^\d{1,7}$/.test(v) || n < 1 || n > 1_000_000)
          throw new Error('must be a whole number of requests per minute from 1 to 1000000');
        return String(n);
      },
    },
    pool: oneOf('pool=isolated', ['isolated']),
    incident: INCIDENT,
  },
  'tenant-corruption': {
    tables: TABLES,
    incident: INCIDENT,
  },
  'tenant-key-rotate': { incident: INCIDENT },
  'tenant-preflight': {},
  'tenant-golive': {},
};

export interface ParsedParams {
  params: Record<string, string>;
  dryRun: boolean;
  sandbox: boolean;
}

/** `key=value` words and flags, checked against the runbook's parameters. */
export function parseRunbookParams(runbook: RunbookName, words: readonly string[]): ParsedParams {
  const specs = RUNBOOK_PARAMS[runbook];
  const params: Record<string, string> = {};
  let dryRun = false;
  let sandbox = false;
  for (const word of words) {
    if (word === '--dry-run') {
      dryRun = true;
      continue;
    }
    if (word === '--sandbox' && runbook === 'tenant-restore') {
      sandbox = true;
      continue;
    }
    const m = /^([a-z]+)=(.*)$/.exec(word);
    const spec = m?.[1] !== undefined ? specs[m[1]] : undefined;
    if (!m?.[1] || !spec || !Object.prototype.hasOwnProperty.call(specs, m[1]))
      throw new DomainError(
        'bad_parameter',
        `${runbook} doesn't take "${word}". It takes: ${usageOf(runbook)}.`,
      );
    try {
      params[m[1]] = spec.check(m[2] ?? '');
    } catch (err) {
      // parseIsoInstant's message ends its own sentence.
      const why = (err as Error).message.replace(/\.$/, '');
      throw new DomainError('bad_parameter', `${m[1]}=${m[2] ?? ''}: ${why}.`);
    }
  }
  for (const [key, spec] of Object.entries(specs))
    if (spec.required && params[key] === undefined)
      throw new DomainError('missing_parameter', `${runbook} needs ${spec.usage}.`);
  if (params.backup !== undefined && params.at !== undefined)
    throw new DomainError('bad_parameter', 'Give backup=<id> or at=<time>, not both.');
  return { params, dryRun, sandbox };
}

/** `[kind=full|incremental] [--dry-run]` for usage lines. */
export function usageOf(runbook: RunbookName): string {
  const parts = Object.values(RUNBOOK_PARAMS[runbook]).map((s) =>
    s.required ? s.usage : `[${s.usage}]`,
  );
  if (runbook === 'tenant-restore') parts.push('[--sandbox]');
  parts.push('[--dry-run]');
  return parts.join(' ');
}
