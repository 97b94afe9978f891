/** A foreign key as pg_get_constraintdef prints it, taken apart. */
export interface ForeignKeyDef {
  columns: string[];
  /** Schema of the referenced table when the definition names one (else the table's own). */
  refSchema: string | null;
  refTable: string;
  refColumns: string[];
  matchFull: boolean;
}

const IDENT = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_$]*)`;
const LIST = String.raw`\(\s*(${IDENT}(?:\s*,\s*${IDENT})*)\s*\)`;
const FK_RE = new RegExp(
  String.raw`^FOREIGN KEY\s*${LIST}\s*REFERENCES\s+(?:(${IDENT})\.)?(${IDENT})\s*${LIST}(.*)$`,
  's',
);

function unquote(id: string): string {
  return id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id.toLowerCase();
}

function splitIdents(list: string): string[] {
  return (list.match(new RegExp(IDENT, 'g')) ?? []).map(unquote);
}

/** `FOREIGN KEY (a, b) REFERENCES [schema.]t(x, y) [MATCH FULL] …`, or null for anything else. */
export function parseForeignKeyDef(def: string): ForeignKeyDef | null {
  const m = FK_RE.exec(def.trim());
  if (!m) return null;
  const [, cols, schema, table, refCols, rest] = m;
  const columns = splitIdents(cols!);
  const refColumns = splitIdents(refCols!);
  if (columns.length === 0 || columns.length !== refColumns.length) return null;
  return {
    columns,
    refSchema: schema ? unquote(schema) : null,
    refTable: unquote(table!),
    refColumns,
    matchFull: /\bMATCH FULL\b/.test(rest ?? ''),
  };
}
