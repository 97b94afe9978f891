import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';

/** A template that can't be compiled: where, and what Handlebars said. */
export class TemplateSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    detail: string,
  ) {
    super(`${file}${line ? ` line ${line}` : ''}: ${detail}`);
    this.name = 'TemplateSyntaxError';
  }
}

export interface CompiledTemplate {
  /** sha256 of the source: a changed template makes a new draft version. */
  digest: string;
  render(model: object): string;
}

const RUNTIME = {
  // Handlebars' own defaults, stated: templates never reach prototypes (no code through them).
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
};

function lineOf(err: unknown, source: string): number | undefined {
  const e = err as { lineNumber?: unknown; message?: unknown };
  if (typeof e.lineNumber === 'number') return e.lineNumber;
  const text = typeof e.message === 'string' ? e.message : '';
  const m = /line (\d+)/i.exec(text);
  if (m?.[1]) return Number(m[1]);
  // A missing helper is found when rendering, which knows no line: find where it is used.
  const helper = /Missing helper: "([^"]+)"/.exec(text)?.[1];
  if (!helper) return undefined;
  const name = helper.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const use = new RegExp(`{{[#^]?\\s*${name}[\\s}]`);
  const at = source.split('\n').findIndex((l) => use.test(l));
  return at >= 0 ? at + 1 : undefined;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const parts = text.split('\n');
  // Handlebars says "Parse error on line 3:", then the source line, a caret and what it expected.
  return parts.length > 1 ? `${parts[0] ?? ''} ${parts.at(-1) ?? ''}`.trim() : text;
}

/**
 * Compiles a user-editable template in an isolated Handlebars environment: no helpers beyond
 * the built-in block helpers and `eq`, no HTML escaping (the model is escaped for its output
 * format already), no prototype access. Parses eagerly so a syntax error names its line now,
 * and renders `sample` once so an unknown helper is found now too, not at the next incident.
 *
 * @throws TemplateSyntaxError naming the file and line.
 */
export function compileTemplate(source: string, file: string, sample: object): CompiledTemplate {
  const env = Handlebars.create();
  env.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  let render: (model: object) => string;
  try {
    env.precompile(source, { noEscape: true, strict: false });
    const fn = env.compile(source, { noEscape: true, strict: false });
    render = (model) => fn(model, RUNTIME);
    render(sample);
  } catch (err) {
    throw new TemplateSyntaxError(file, lineOf(err, source), firstLine(err));
  }
  return { digest: createHash('sha256').update(source).digest('hex'), render };
}
