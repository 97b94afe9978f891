import { DomainError } from '../errors';
import { parseIsoInstant } from '../sla/iso-instant';
import { isTenantId } from '../tenants/tenant-id';
import {
  INCIDENT_ROLES,
  isSeverity,
  parseIncidentRef,
  type IncidentRole,
  type Severity,
} from './incident';

/** A parsed `/incident` invocation; `ref` is absent when the channel should tell. */
export type IncidentCommand =
  | { kind: 'declare'; severity: Severity; tenants: string[]; title: string }
  | { kind: 'declare_modal' }
  | { kind: 'ack'; ref?: number }
  | { kind: 'update'; ref?: number; tenant?: string; text: string }
  | { kind: 'status'; ref?: number }
  | { kind: 'sev'; ref?: number; severity: Severity }
  | { kind: 'role'; ref?: number; role: IncidentRole; user: string }
  | { kind: 'tenant_add'; ref?: number; tenant: string }
  | { kind: 'mitigate'; ref?: number; text: string }
  | { kind: 'resolve'; ref?: number; summary: string }
  | { kind: 'security'; ref?: number; aware?: Date }
  | { kind: 'notified'; ref?: number; tenant: string }
  | { kind: 'list'; tenant?: string }
  | { kind: 'postmortem'; ref?: number; done: boolean }
  | { kind: 'help' };

export const INCIDENT_USAGE = [
  '`/incident declare <P1|P2|P3|P4> <tenant>[,<tenant>...] <title...>` (no arguments opens a form)',
  '`/incident ack [INC-n]`',
  '`/incident update [INC-n] [tenant=<tenant>] <text>`',
  '`/incident status [INC-n]`',
  '`/incident sev [INC-n] <P1|P2|P3|P4>`',
  '`/incident role [INC-n] <commander|comms|scribe> <@user>`',
  '`/incident tenant add [INC-n] <tenant>`',
  '`/incident mitigate [INC-n] [note]`',
  '`/incident resolve [INC-n] <summary>`',
  '`/incident security [INC-n] [aware=<ISO time>]`',
  '`/incident notified [INC-n] <tenant|all>`',
  '`/incident list [tenant]`',
  '`/incident postmortem [INC-n] [done]`',
  '`/incident help`',
].join('\n');

function usage(code: string, problem: string, form: string): DomainError {
  return new DomainError(code, `${problem}\nUsage: ${form}`);
}

function takeRef(words: string[]): number | undefined {
  const first = words[0];
  if (first === undefined) return undefined;
  const n = parseIncidentRef(first);
  if (n !== undefined) words.shift();
  return n;
}

function parseSeverity(word: string | undefined, form: string): Severity {
  if (!word || !isSeverity(word)) {
    throw usage('bad_severity', `"${word ?? ''}" is not a severity: use P1, P2, P3 or P4.`, form);
  }
  return word.toUpperCase() as Severity;
}

function parseTenantList(word: string | undefined, form: string): string[] {
  const tenants = (word ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean);
  if (tenants.length === 0) throw usage('missing_tenant', 'Name at least one tenant.', form);
  const bad = tenants.find((t) => !isTenantId(t));
  if (bad)
    throw usage('bad_tenant', `"${bad}" is not a tenant id (a-z, 0-9, -; 2-40 characters).`, form);
  return [...new Set(tenants)];
}

/** A Slack user mention `<@U123|name>` or `<@U123>`, or a bare `U123`/`@U123`. */
export function parseUserMention(word: string | undefined): string | undefined {
  const m =
    /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(word ?? '') ?? /^@?([UW][A-Z0-9]{2,})$/.exec(word ?? '');
  return m?.[1];
}

type Parser = (words: string[]) => IncidentCommand;

const PARSERS: Record<string, Parser> = {
  declare(words) {
    if (words.length === 0) return { kind: 'declare_modal' };
    const form = '`/incident declare <P1|P2|P3|P4> <tenant>[,<tenant>...] <title...>`';
    const severity = parseSeverity(words[0], form);
    const tenants = parseTenantList(words[1], form);
    const title = words.slice(2).join(' ').trim();
    if (!title) throw usage('missing_title', 'Give the incident a title.', form);
    if (title.length > 150)
      throw usage('title_too_long', 'Keep the title under 150 characters.', form);
    return { kind: 'declare', severity, tenants, title };
  },
  ack: (words) => ({ kind: 'ack', ref: takeRef(words) }),
  status: (words) => ({ kind: 'status', ref: takeRef(words) }),
  update(words) {
    const ref = takeRef(words);
    let tenant: string | undefined;
    const scoped = /^tenant=(.*)$/.exec(words[0] ?? '');
    if (scoped) {
      words.shift();
      tenant = parseTenantList(scoped[1], '`/incident update [INC-n] tenant=<tenant> <text>`')[0];
    }
    const text = words.join(' ').trim();
    if (!text)
      throw usage(
        'missing_text',
        'Write the update text.',
        '`/incident update [INC-n] [tenant=<tenant>] <text>`',
      );
    return { kind: 'update', ref, tenant, text };
  },
  sev(words) {
    const ref = takeRef(words);
    return {
      kind: 'sev',
      ref,
      severity: parseSeverity(words[0], '`/incident sev [INC-n] <P1|P2|P3|P4>`'),
    };
  },
  role(words) {
    const ref = takeRef(words);
    const form = '`/incident role [INC-n] <commander|comms|scribe> <@user>`';
    const role = (words[0] ?? '').toLowerCase();
    if (!(INCIDENT_ROLES as readonly string[]).includes(role)) {
      throw usage('bad_role', `"${words[0] ?? ''}" is not an incident role.`, form);
    }
    const user = parseUserMention(words[1]);
    if (!user) throw usage('bad_user', 'Mention the person, e.g. @alice.', form);
    return { kind: 'role', ref, role: role as IncidentRole, user };
  },
  tenant(words) {
    const form = '`/incident tenant add [INC-n] <tenant>`';
    if ((words.shift() ?? '').toLowerCase() !== 'add')
      throw usage('bad_subcommand', 'Only `tenant add` exists.', form);
    const ref = takeRef(words);
    const tenant = parseTenantList(words[0], form)[0] as string;
    return { kind: 'tenant_add', ref, tenant };
  },
  mitigate(words) {
    const ref = takeRef(words);
    return { kind: 'mitigate', ref, text: words.join(' ').trim() };
  },
  resolve(words) {
    const ref = takeRef(words);
    const summary = words.join(' ').trim();
    if (!summary)
      throw usage(
        'missing_summary',
        'Say how it was resolved.',
        '`/incident resolve [INC-n] <summary>`',
      );
    return { kind: 'resolve', ref, summary };
  },
  security(words) {
    const ref = takeRef(words);
    const form = '`/incident security [INC-n] [aware=<ISO time>]`';
    const aware = /^aware=(.*)$/i.exec(words[0] ?? '');
    if (words.length > (aware ? 1 : 0))
      throw usage('bad_argument', `I don't understand "${words.join(' ')}".`, form);
    if (!aware) return { kind: 'security', ref };
    try {
      return { kind: 'security', ref, aware: parseIsoInstant(aware[1] ?? '') };
    } catch (err) {
      throw usage('bad_time', (err as Error).message, form);
    }
  },
  notified(words) {
    const ref = takeRef(words);
    const form = '`/incident notified [INC-n] <tenant|all>`';
    if ((words[0] ?? '').toLowerCase() === 'all' && words.length === 1)
      return { kind: 'notified', ref, tenant: 'all' };
    if (words.length !== 1)
      throw usage('missing_tenant', 'Name the tenant that was notified, or `all`.', form);
    return { kind: 'notified', ref, tenant: parseTenantList(words[0], form)[0] as string };
  },
  list(words) {
    const tenant = words[0] ? parseTenantList(words[0], '`/incident list [tenant]`')[0] : undefined;
    return { kind: 'list', tenant };
  },
  postmortem(words) {
    const ref = takeRef(words);
    const rest = words.join(' ').toLowerCase();
    if (rest !== '' && rest !== 'done')
      throw usage(
        'bad_argument',
        `I don't understand "${words.join(' ')}".`,
        '`/incident postmortem [INC-n] [done]`',
      );
    return { kind: 'postmortem', ref, done: rest === 'done' };
  },
  help: () => ({ kind: 'help' }),
};

/** Parses the text after `/incident`; throws DomainError with usage on bad input. */
export function parseIncidentCommand(text: string): IncidentCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const sub = (words.shift() ?? '').toLowerCase();
  if (!sub) throw new DomainError('missing_subcommand', `Tell me what to do:\n${INCIDENT_USAGE}`);
  const parser = PARSERS[sub];
  if (!parser || !Object.prototype.hasOwnProperty.call(PARSERS, sub)) {
    throw new DomainError('unknown_subcommand', `I don't know \`${sub}\`. Try:\n${INCIDENT_USAGE}`);
  }
  return parser(words);
}
