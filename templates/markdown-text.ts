// Markdown output is its own format: user text must read literally there, so the characters
// that start emphasis, code, links, HTML, tables or strike-through are backslash-escaped
// (CommonMark lets any ASCII punctuation be escaped), and line starts lose their block meaning.
const INLINE = /[\\`*_[\]<>|~]/g;
const LINE_START = /^(\s*)([#>+=-]|\d+[.)])/;

/** One line of user text that must read literally in Markdown (table cells, list items). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n/g, ' ')
    .replace(INLINE, (c) => `\\${c}`)
    .replace(LINE_START, (_m, space: string, mark: string) =>
      // `1.` stays a number: its punctuation is what makes a list item, so that is escaped.
      /^\d/.test(mark) ? `${space}${mark.slice(0, -1)}\\${mark.slice(-1)}` : `${space}\\${mark}`,
    );
}

/** A Mermaid task or section name: no `:`, `#` or `;`, which end or comment a gantt line. */
export function mermaidName(text: string): string {
  return text.replace(/[:#;]/g, ' ').replace(/\s+/g, ' ').trim() || 'phase';
}
