import path from 'node:path';
import pino from 'pino';

export interface ConsoleLogDestination {
  stream: pino.DestinationStream;
  /** The log file, relative to the working directory when it lies inside it. */
  file: string;
}

const LABELS: Record<number, string> = { 40: 'warning', 50: 'error', 60: 'fatal' };

/** A warn+ JSON line as one readable line: the person at the console sees that something failed. */
function summary(line: string, file: string): string {
  try {
    const rec = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    const cause = rec.err?.message ? `: ${rec.err.message}` : '';
    const label = LABELS[rec.level ?? 0] ?? 'log';
    return `tenantops ${label}: ${rec.msg ?? ''}${cause} (details in ${file})\n`;
  } catch {
    return line;
  }
}

/**
 * Console mode owns the terminal for the conversation, so every log line is appended to
 * `<dataDir>/tenantops.log`; warnings and errors are also summed up on stderr, one line each,
 * because a failure nobody sees is worse than one line between two bot messages. The lines
 * arrive already redacted and masked by the root logger.
 */
export function consoleLogDestination(
  dataDir: string,
  stderr: (text: string) => void = (text) => process.stderr.write(text),
): ConsoleLogDestination {
  const absolute = path.join(dataDir, 'tenantops.log');
  const relative = path.relative(process.cwd(), absolute);
  const file = relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
  // Synchronous appends: console mode logs little, and exits right after its last command.
  const toFile = pino.destination({ dest: absolute, append: true, mkdir: true, sync: true });
  const toTerminal = { write: (line: string) => stderr(summary(line, file)) };
  const stream = pino.multistream([
    { level: 'trace', stream: toFile },
    { level: 'warn', stream: toTerminal },
  ]);
  return { stream, file };
}
