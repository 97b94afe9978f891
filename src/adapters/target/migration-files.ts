import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../../domain/errors';
import type { MigrationFile, TenantMigration } from '../../ports/target-migrations';

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const NAME_RE = /^(\d{4})_([a-z0-9_]+)$/;
const CHECK_RE = /^\s*--\s*check:\s*(.+?)\s*;?\s*$/i;

/**
 * `target.migrationsDir` as a folder: a relative path is taken from the config file's folder,
 * not the working directory, so `web`, `worker` and `console` find the same files wherever they
 * were started.
 */
export function resolveMigrationsDir(configPath: string, migrationsDir: string): string {
  return path.resolve(path.dirname(configPath), migrationsDir);
}

/** The migration files of `dir`, by number; two files with one number are refused. */
export async function listMigrationFiles(dir: string | undefined): Promise<MigrationFile[]> {
  const folder = requireDir(dir);
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    throw new DomainError(
      'migrations_dir_unreadable',
      `target.migrationsDir ${folder} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const files = names
    .map((n) => ({ n, m: FILE_RE.exec(n) }))
    .filter((x) => x.m)
    .map(({ n, m }) => ({
      name: n.slice(0, -4),
      version: Number(m![1]),
      path: path.join(folder, n),
    }))
    .sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++)
    if (files[i]!.version === files[i - 1]!.version)
      throw new DomainError(
        'migration_number_twice',
        `${files[i - 1]!.name}.sql and ${files[i]!.name}.sql in ${folder} share the number ${String(files[i]!.version).padStart(4, '0')}`,
      );
  return files;
}

/** `0003_add_status` or `0003_add_status.sql`, read with its `-- check:` lines. */
export async function readMigrationFile(
  dir: string | undefined,
  name: string,
): Promise<TenantMigration> {
  const bare = name.trim().replace(/\.sql$/, '');
  if (!NAME_RE.test(bare))
    throw new DomainError(
      'invalid_migration_name',
      `"${name}" is not a migration name: NNNN_name (four digits, then a-z, 0-9 and _), as its file NNNN_name.sql`,
    );
  const files = await listMigrationFiles(dir);
  const file = files.find((f) => f.name === bare);
  if (!file)
    throw new DomainError(
      'migration_not_found',
      `no migration ${bare}.sql in ${requireDir(dir)} (there: ${files.map((f) => f.name).join(', ') || 'none'})`,
    );
  const text = await readFile(file.path, 'utf8');
  return { ...file, ...parseMigration(text, file.name) };
}

/** The SQL, its checks and its SHA-256; transaction control is refused (it runs inside ours). */
export function parseMigration(
  text: string,
  name: string,
): { sql: string; checks: string[]; sha256: string } {
  const checks: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = CHECK_RE.exec(line);
    if (m?.[1]) checks.push(m[1]);
  }
  const body = stripCommentsAndQuotes(text);
  if (!body.trim())
    throw new DomainError('migration_empty', `migration ${name} has no SQL statement`);
  const control = /(^|;)\s*(BEGIN|COMMIT|ROLLBACK|END|START\s+TRANSACTION|SAVEPOINT)\b/i.exec(body);
  if (control)
    throw new DomainError(
      'migration_transaction_control',
      `migration ${name} contains ${control[2]!.toUpperCase()}: tenant-migrate runs the file inside its own transaction on the shadow schema; remove transaction control`,
    );
  const concurrently = /\bCONCURRENTLY\b/i.exec(body);
  if (concurrently)
    throw new DomainError(
      'migration_concurrently',
      `migration ${name} uses CONCURRENTLY, which cannot run in a transaction: the shadow schema is not live, so a plain CREATE INDEX does the same without blocking the tenant`,
    );
  return { sql: text, checks, sha256: createHash('sha256').update(text).digest('hex') };
}

/**
 * The SQL with comments, string literals and dollar-quoted bodies blanked to spaces (newlines
 * kept, so positions and line numbers stay those of the text).
 */
export function stripCommentsAndQuotes(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i, i + 2);
    const dollar =
      rest[0] === '$' ? /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64)) : null;
    let end: number;
    if (rest === '--') end = text.indexOf('\n', i) - 1;
    else if (rest === '/*') {
      const close = text.indexOf('*/', i + 2);
      end = close < 0 ? -1 : close + 1;
    } else if (rest[0] === "'") end = closingQuote(text, i);
    else if (dollar) {
      const close = text.indexOf(dollar[0], i + dollar[0].length);
      end = close < 0 ? -1 : close + dollar[0].length - 1;
    } else {
      out += text[i];
      i++;
      continue;
    }
    const stop = end < i ? text.length : end + 1;
    out += text.slice(i, stop).replace(/[^\n]/g, ' ');
    i = stop;
  }
  return out;
}

/** The statements of a migration, each with the line it starts on (comments-only parts dropped). */
export function splitStatements(text: string): { sql: string; line: number }[] {
  const blank = stripCommentsAndQuotes(text);
  const out: { sql: string; line: number }[] = [];
  let start = 0;
  for (let i = 0; i <= blank.length; i++) {
    if (i < blank.length && blank[i] !== ';') continue;
    const part = blank.slice(start, i);
    const lead = part.length - part.trimStart().length;
    if (part.trim())
      out.push({
        sql: text.slice(start + lead, i),
        line: text.slice(0, start + lead).split('\n').length,
      });
    start = i + 1;
  }
  return out;
}

function closingQuote(text: string, open: number): number {
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] !== "'") continue;
    if (text[j + 1] === "'") j++;
    else return j;
  }
  return -1;
}

function requireDir(dir: string | undefined): string {
  if (!dir)
    throw new DomainError(
      'migrations_dir_unset',
      'no migrations folder: set target.migrationsDir (NNNN_name.sql files)',
    );
  return dir;
}

/** Refuses `m` unless it is the first migration file numbered past the tenant's version. */
export function assertNextMigration(
  files: MigrationFile[],
  tenant: string,
  version: number,
  m: MigrationFile,
): void {
  if (m.version <= version)
    throw new DomainError(
      'migration_already_applied',
      `tenant ${tenant} is at version ${version}: ${m.name} (version ${m.version}) is already applied`,
    );
  const next = files.find((f) => f.version > version);
  if (next && next.name !== m.name)
    throw new DomainError(
      'migration_out_of_order',
      `tenant ${tenant} is at version ${version}: the next migration is ${next.name}, not ${m.name}`,
    );
}
