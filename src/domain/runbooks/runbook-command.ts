import { DomainError } from '../errors';
import { isTenantId, TENANT_ID_RULE } from '../tenants/tenant-id';
import { isRunbookName, parseRunRef, RUNBOOK_NAMES, type RunbookName } from './runbook';
import { parseRunbookParams, usageOf } from './runbook-params';

export type RunbookCommand =
  | { kind: 'list' }
  | { kind: 'help' }
  | {
      kind: 'run';
      runbook: RunbookName;
      tenant: string;
      params: Record<string, string>;
      dryRun: boolean;
      sandbox: boolean;
    }
  | { kind: 'status' | 'approve' | 'cancel' | 'rollback'; run: number };

export const RUNBOOK_USAGE = [
  '`/runbook list`',
  '`/runbook run <runbook> <tenant> [key=value...] [--dry-run]`',
  '`/runbook status RB-n` · `/runbook approve RB-n` · `/runbook cancel RB-n` · `/runbook rollback RB-n`',
].join('\n');

/**
 * Bad parameters of a run on a well-formed tenant id. The tenant is kept so that whoever may not
 * run runbooks there is refused (and audited) before being told what is wrong with the rest.
 */
export class RunParamsError extends DomainError {
  constructor(
    readonly tenant: string,
    cause: DomainError,
  ) {
    super(cause.code, cause.message);
  }
}

function usage(code: string, problem: string): DomainError {
  return new DomainError(code, `${problem}\nUsage:\n${RUNBOOK_USAGE}`);
}

/** Parses the text after `/runbook`; throws DomainError with usage on bad input. */
export function parseRunbookCommand(text: string): RunbookCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const sub = (words.shift() ?? '').toLowerCase();
  switch (sub) {
    case '':
      throw usage('missing_subcommand', 'Tell me what to do.');
    case 'list':
      return { kind: 'list' };
    case 'help':
      return { kind: 'help' };
    case 'run': {
      const [name = '', tenant = '', ...rest] = words;
      if (!isRunbookName(name))
        throw usage(
          'unknown_runbook',
          `${name ? `There is no runbook "${name}"` : 'Name the runbook'}. Runbooks: ${RUNBOOK_NAMES.join(', ')}.`,
        );
      if (!isTenantId(tenant.toLowerCase()))
        throw new DomainError(
          'bad_tenant',
          `${tenant ? `"${tenant}" is not a tenant id (${TENANT_ID_RULE})` : 'Name the tenant'}.\nUsage: \`/runbook run ${name} <tenant> ${usageOf(name)}\``,
        );
      let params: ReturnType<typeof parseRunbookParams>;
      try {
        params = parseRunbookParams(name, rest);
      } catch (err) {
        if (err instanceof DomainError) throw new RunParamsError(tenant.toLowerCase(), err);
        throw err;
      }
      return { kind: 'run', runbook: name, tenant: tenant.toLowerCase(), ...params };
    }
    case 'status':
    case 'approve':
    case 'cancel':
    case 'rollback': {
      const run = parseRunRef(words[0] ?? '');
      if (run === undefined || words.length !== 1)
        throw usage('bad_run', `Name the run, e.g. \`/runbook ${sub} RB-4\`.`);
      return { kind: sub, run };
    }
    default:
      throw usage('unknown_subcommand', `I don't know \`${sub}\`.`);
  }
}
