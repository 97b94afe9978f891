/**
 * How the console shows what Slack styles: ANSI escape codes on a terminal, nothing at all on a
 * pipe (a scripted `printf … | npm start` gets clean text without `*`, `_`, `~` or backticks).
 */
export interface TextStyle {
  bold(text: string): string;
  italic(text: string): string;
  strike(text: string): string;
  code(text: string): string;
  /** One line of a ``` block. */
  preformatted(line: string): string;
  /** One line of a `>` quote. */
  quote(line: string): string;
}

const sgr = (on: number, off: number) => (text: string) => `\x1b[${on}m${text}\x1b[${off}m`;

export const ANSI_STYLE: TextStyle = {
  bold: sgr(1, 22),
  italic: sgr(3, 23),
  strike: sgr(9, 29),
  code: sgr(36, 39),
  preformatted: (line) => `  ${sgr(36, 39)(line)}`,
  quote: (line) => `${sgr(2, 22)('│')} ${line}`,
};

export const PLAIN_STYLE: TextStyle = {
  bold: (text) => text,
  italic: (text) => text,
  strike: (text) => text,
  code: (text) => text,
  preformatted: (line) => `    ${line}`,
  quote: (line) => `│ ${line}`,
};

/** Without ANSI codes: what a styled line reads like (for widths and tests). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
