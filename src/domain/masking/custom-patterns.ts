/** Deployment-specific patterns (config `masking.patterns`), masked wherever built-in masking applies. */

export interface MaskingPatternSpec {
  name: string;
  /** JavaScript regular expression source, compiled with the `u` flag. */
  regex: string;
  /** Literal text put in place of each match; default `[name]`. */
  replacement?: string;
}

interface CompiledPattern {
  regex: RegExp;
  replacement: string;
}

/** A pattern that cannot be used; the message says why (the caller names the config key). */
export class MaskingPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MaskingPatternError';
  }
}

/** Compiles one pattern; throws {@link MaskingPatternError} when it is invalid or unsafe. */
export function compileMaskingPattern(spec: MaskingPatternSpec): CompiledPattern {
  let regex: RegExp;
  try {
    regex = new RegExp(spec.regex, 'gu');
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: \/.*\/\w*: /, '');
    throw new MaskingPatternError(`not a valid regular expression: ${why}`);
  }
  if (new RegExp(spec.regex, 'u').test('')) {
    throw new MaskingPatternError(
      'matches the empty string, so it would mask between every character',
    );
  }
  if (hasNestedQuantifier(spec.regex)) {
    throw new MaskingPatternError(
      'a repeated group contains a repetition, e.g. (a+)+: it can backtrack for minutes on one log line; repeat the group or its content, not both',
    );
  }
  return { regex, replacement: spec.replacement ?? `[${spec.name}]` };
}

// Process-wide: maskPersonalData runs in use cases and in the logger, where no config is in reach.
let active: readonly CompiledPattern[] = [];

/** Sets the extra patterns for the whole process (the composition root, once at start). */
export function configureMasking(specs: readonly MaskingPatternSpec[]): void {
  active = specs.map(compileMaskingPattern);
}

export function hasCustomPatterns(): boolean {
  return active.length > 0;
}

export function applyCustomPatterns(text: string): string {
  let out = text;
  // Zero-length matches (a lookahead, \b) would insert the replacement between characters.
  for (const p of active) out = out.replace(p.regex, (m) => (m === '' ? m : p.replacement));
  return out;
}

/**
 * True when a group repeated without bound contains an unbounded repetition (`(a+)+`, `(\w*,)*`,
 * `((ab)+c){2,}`): the classic exponential-backtracking shape. Overlapping alternatives such as
 * `(a|a)*` are not detected.
 */
export function hasNestedQuantifier(source: string): boolean {
  const groups: boolean[] = []; // per open group: does it contain an unbounded repetition?
  let closedGroupRepeats = false; // the token just read is a group that contains one
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source.charAt(i);
    if (ch === '\\') {
      i++;
      closedGroupRepeats = false;
    } else if (inClass) {
      inClass = ch !== ']';
    } else if (ch === '[') {
      inClass = true;
      closedGroupRepeats = false;
    } else if (ch === '(') {
      groups.push(false);
      if (source.charAt(i + 1) === '?') i++; // (?: (?= (?! (?<name> are not quantifiers
      closedGroupRepeats = false;
    } else if (ch === ')') {
      closedGroupRepeats = groups.pop() ?? false;
      if (closedGroupRepeats) markInnermost(groups);
    } else {
      const unbounded = unboundedQuantifierLength(source, i);
      if (unbounded > 0) {
        if (closedGroupRepeats) return true;
        markInnermost(groups);
        i += unbounded - 1;
      }
      closedGroupRepeats = false;
    }
  }
  return false;
}

function markInnermost(groups: boolean[]): void {
  if (groups.length > 0) groups[groups.length - 1] = true;
}

// Length of `*`, `+` or `{n,}` at `i`; 0 for anything else (`?` and `{n,m}` are bounded).
function unboundedQuantifierLength(source: string, i: number): number {
  const ch = source.charAt(i);
  if (ch === '*' || ch === '+') return 1;
  if (ch !== '{') return 0;
  const brace = /^\{\d+,\}/.exec(source.slice(i, i + 12));
  return brace ? brace[0].length : 0;
}
