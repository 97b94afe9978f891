// `/runbook …` as typed in Slack: every subcommand, every runbook's parameters and flags, and
// the message each piece of bad input gets (a DomainError code and words naming the problem).
import { DomainError } from '../../src/domain/errors';
import { RUNBOOK_NAMES } from '../../src/domain/runbooks/runbook';
import { parseRunbookCommand } from '../../src/domain/runbooks/runbook-command';
import { parseRunbookParams, usageOf } from '../../src/domain/runbooks/runbook-params';

/** The DomainError `text` is refused with: its code and message. */
function refusal(text: string): { code: string; message: string } {
  try {
    parseRunbookCommand(text);
  } catch (err) {
    if (err instanceof DomainError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('/runbook subcommands', () => {
  it.each([
    ['list', { kind: 'list' }],
    ['  LIST  ', { kind: 'list' }],
    ['help', { kind: 'help' }],
    ['status RB-4', { kind: 'status', run: 4 }],
    ['status rb-12', { kind: 'status', run: 12 }],
    ['approve RB-4', { kind: 'approve', run: 4 }],
    ['Approve RB-4', { kind: 'approve', run: 4 }],
    ['cancel RB-4', { kind: 'cancel', run: 4 }],
    ['rollback RB-999999999', { kind: 'rollback', run: 999999999 }],
  ])('%p', (text, parsed) => {
    expect(parseRunbookCommand(text)).toEqual(parsed);
  });

  it.each([
    ['', 'missing_subcommand', 'Tell me what to do.'],
    ['frobnicate RB-4', 'unknown_subcommand', "I don't know `frobnicate`."],
    ['status', 'bad_run', 'Name the run, e.g. `/runbook status RB-4`.'],
    ['approve 4', 'bad_run', 'Name the run, e.g. `/runbook approve RB-4`.'],
    ['cancel RB-0', 'bad_run', '`/runbook cancel RB-4`'],
    ['rollback RB-4 RB-5', 'bad_run', '`/runbook rollback RB-4`'],
    ['status INC-4', 'bad_run', '`/runbook status RB-4`'],
    ['approve RB-1234567890', 'bad_run', '`/runbook approve RB-4`'],
  ])('refuses %p', (text, code, words) => {
    const { code: got, message } = refusal(text);
    expect(got).toBe(code);
    expect(message).toContain(words);
    // Every refusal of the subcommand shows the usage.
    expect(message).toContain('Usage:\n`/runbook list`');
  });
});

describe('/runbook run: runbook and tenant', () => {
  it('lowercases the tenant and keeps the runbook name', () => {
    expect(parseRunbookCommand('run tenant-backup ACME')).toEqual({
      kind: 'run',
      runbook: 'tenant-backup',
      tenant: 'acme',
      params: {},
      dryRun: false,
      sandbox: false,
    });
  });

  it.each([
    ['run', 'Name the runbook'],
    ['run tenant-explode acme', 'There is no runbook "tenant-explode"'],
    ['run backup acme', 'There is no runbook "backup"'],
  ])('refuses an unknown runbook: %p, listing the runbooks', (text, words) => {
    const { code, message } = refusal(text);
    expect(code).toBe('unknown_runbook');
    expect(message).toContain(words);
    expect(message).toContain(`Runbooks: ${RUNBOOK_NAMES.join(', ')}.`);
  });

  it.each([
    ['run tenant-backup', 'Name the tenant.'],
    ['run tenant-backup a', '"a" is not a tenant id (a-z, 0-9 and -, 2-40 characters).'],
    ['run tenant-backup acme_corp', '"acme_corp" is not a tenant id'],
    ['run tenant-backup kind=full', '"kind=full" is not a tenant id'],
    [`run tenant-backup ${'x'.repeat(41)}`, 'is not a tenant id'],
  ])('refuses a bad tenant: %p, with the runbook usage', (text, words) => {
    const { code, message } = refusal(text);
    expect(code).toBe('bad_tenant');
    expect(message).toContain(words);
    expect(message).toContain(
      'Usage: `/runbook run tenant-backup <tenant> [kind=full|incremental] [--dry-run]`',
    );
  });
});

describe("each runbook's parameters", () => {
  it.each<[string, Record<string, string>, { dryRun?: boolean; sandbox?: boolean }?]>([
    ['tenant-backup acme', {}],
    ['tenant-backup acme kind=full', { kind: 'full' }],
    ['tenant-backup acme kind=incremental --dry-run', { kind: 'incremental' }, { dryRun: true }],
    ['tenant-restore acme', {}],
    [
      'tenant-restore acme backup=acme-20260310-090000-fab1',
      { backup: 'acme-20260310-090000-fab1' },
    ],
    ['tenant-restore acme at=2026-03-10T10:30+01:00', { at: '2026-03-10T09:30:00.000Z' }],
    ['tenant-restore acme --sandbox', {}, { sandbox: true }],
    [
      'tenant-restore acme --sandbox --dry-run incident=inc-4',
      { incident: 'INC-4' },
      { sandbox: true, dryRun: true },
    ],
    ['tenant-migrate acme migration=0003_add_status', { migration: '0003_add_status' }],
    ['tenant-leak-response acme', {}],
    [
      'tenant-leak-response acme endpoint=/v1/export incident=INC-2',
      { endpoint: '/v1/export', incident: 'INC-2' },
    ],
    ['tenant-throttle acme rpm=600', { rpm: '600' }],
    ['tenant-throttle acme rpm=0060 pool=isolated', { rpm: '60', pool: 'isolated' }],
    ['tenant-throttle acme rpm=1000000', { rpm: '1000000' }],
    ['tenant-corruption acme tables=orders,users,orders', { tables: 'orders,users' }],
    ['tenant-key-rotate acme incident=INC-9', { incident: 'INC-9' }],
    ['tenant-preflight acme --dry-run', {}, { dryRun: true }],
    ['tenant-golive acme', {}],
  ])('run %s', (text, params, flags = {}) => {
    expect(parseRunbookCommand(`run ${text}`)).toMatchObject({
      kind: 'run',
      tenant: 'acme',
      params,
      dryRun: flags.dryRun ?? false,
      sandbox: flags.sandbox ?? false,
    });
  });

  it.each([
    // Unknown keys and flags: the runbook's own parameters are listed.
    ['tenant-backup acme kind=differential', 'kind=differential: must be full or incremental.'],
    [
      'tenant-backup acme level=full',
      'tenant-backup doesn\'t take "level=full". It takes: [kind=full|incremental] [--dry-run].',
    ],
    ['tenant-backup acme --sandbox', 'tenant-backup doesn\'t take "--sandbox"'],
    ['tenant-backup acme --force', 'tenant-backup doesn\'t take "--force"'],
    ['tenant-backup acme Kind=full', 'tenant-backup doesn\'t take "Kind=full"'],
    ['tenant-backup acme constructor=x', 'tenant-backup doesn\'t take "constructor=x"'],
    ['tenant-backup acme full', 'tenant-backup doesn\'t take "full"'],
    [
      'tenant-golive acme incident=INC-4',
      'tenant-golive doesn\'t take "incident=INC-4". It takes: [--dry-run].',
    ],
    ['tenant-restore acme backup=../etc/passwd', 'backup=../etc/passwd: must be a backup id.'],
    [
      'tenant-restore acme at=yesterday',
      'at=yesterday: "yesterday" is not an ISO-8601 time with a zone',
    ],
    ['tenant-restore acme at=2026-03-10T09:30', 'is not an ISO-8601 time with a zone'],
    ['tenant-restore acme incident=4', 'incident=4: must be an incident like INC-4.'],
    ['tenant-restore acme incident=INC-0', 'incident=INC-0: must be an incident like INC-4.'],
    [
      'tenant-migrate acme migration=3_add',
      'migration=3_add: must be a migration name like 0003_add_status.',
    ],
    ['tenant-migrate acme migration=0003_add.sql', 'must be a migration name like 0003_add_status'],
    ['tenant-migrate acme migration=0003_Add', 'must be a migration name like 0003_add_status'],
    ['tenant-migrate acme migration=../0003_x', 'must be a migration name like 0003_add_status'],
    [
      'tenant-leak-response acme endpoint=v1/export',
      'endpoint=v1/export: it must start with / (e.g. /api/v1/export).',
    ],
    ['tenant-leak-response acme endpoint=/a/../b', '. and .. segments are not allowed'],
    ['tenant-leak-response acme endpoint=/x?a=1', 'no query string or fragment'],
    ['tenant-leak-response acme endpoint=/x%zz', 'a % must start a %XX escape'],
    [
      'tenant-throttle acme rpm=0',
      'rpm=0: must be a whole number of requests per minute from 1 to 1000000.',
    ],
    ['tenant-throttle acme rpm=1000001', 'rpm=1000001: must be a whole number'],
    ['tenant-throttle acme rpm=-5', 'rpm=-5: must be a whole number'],
    ['tenant-throttle acme rpm=1e3', 'rpm=1e3: must be a whole number'],
    ['tenant-throttle acme rpm=12.5', 'rpm=12.5: must be a whole number'],
    ['tenant-throttle acme rpm=', 'rpm=: must be a whole number'],
    ['tenant-throttle acme rpm=60 pool=shared', 'pool=shared: must be isolated.'],
    [
      'tenant-corruption acme tables=Orders',
      'tables=Orders: "Orders" is not a table name (lowercase, digits, _).',
    ],
    ['tenant-corruption acme tables=', 'tables=: "" is not a table name'],
    ['tenant-corruption acme tables=a;drop', '"a;drop" is not a table name'],
    // Both ways of choosing a backup at once.
    [
      'tenant-restore acme backup=b1 at=2026-03-10T09:30Z',
      'Give backup=<id> or at=<time>, not both.',
    ],
  ])('refuses run %s', (text, words) => {
    const { code, message } = refusal(`run ${text}`);
    expect(code).toBe('bad_parameter');
    expect(message).toContain(words);
  });

  it.each([
    ['tenant-migrate acme', 'tenant-migrate needs migration=<NNNN_name>.'],
    ['tenant-migrate acme --dry-run incident=INC-3', 'tenant-migrate needs migration=<NNNN_name>.'],
    ['tenant-throttle acme pool=isolated', 'tenant-throttle needs rpm=<n>.'],
  ])('refuses run %s: a required parameter is missing', (text, message) => {
    expect(refusal(`run ${text}`)).toEqual({ code: 'missing_parameter', message });
  });

  it('says each message once, without a doubled full stop', () => {
    expect(refusal('run tenant-restore acme at=yesterday').message).not.toContain('..');
  });
});

const USAGES = [
  ['tenant-backup', '[kind=full|incremental] [--dry-run]'],
  [
    'tenant-restore',
    '[backup=<id>] [at=<ISO time>] [tables=<t1,t2>] [incident=INC-n] [--sandbox] [--dry-run]',
  ],
  ['tenant-migrate', 'migration=<NNNN_name> [incident=INC-n] [--dry-run]'],
  ['tenant-leak-response', '[endpoint=<path>] [incident=INC-n] [--dry-run]'],
  ['tenant-throttle', 'rpm=<n> [pool=isolated] [incident=INC-n] [--dry-run]'],
  ['tenant-corruption', '[tables=<t1,t2>] [incident=INC-n] [--dry-run]'],
  ['tenant-key-rotate', '[incident=INC-n] [--dry-run]'],
  ['tenant-preflight', '[--dry-run]'],
  ['tenant-golive', '[--dry-run]'],
] as const;

describe('usage of each runbook', () => {
  it.each(USAGES)('%s %s', (runbook, usage) => {
    expect(usageOf(runbook)).toBe(usage);
  });

  it('covers every runbook', () => {
    expect(USAGES.map(([name]) => name)).toEqual([...RUNBOOK_NAMES]);
  });

  it('takes the flags anywhere among the parameters', () => {
    expect(parseRunbookParams('tenant-restore', ['--dry-run', 'backup=b1', '--sandbox'])).toEqual({
      params: { backup: 'b1' },
      dryRun: true,
      sandbox: true,
    });
  });
});
