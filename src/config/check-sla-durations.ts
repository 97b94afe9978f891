import { DomainError } from '../domain/errors';
import { isBusinessDayInZone } from '../domain/sla/business-days';
import { parseIsoDuration } from '../domain/sla/duration';
import type { FileConfig } from './schema';

function problem(key: string, check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (err) {
    if (err instanceof DomainError) return `${key}: ${err.message}`;
    throw err;
  }
}

/**
 * What the SLA clocks would fail on later, found at start: every duration through the same
 * parser the clocks use (the schema's regex lets e.g. `PT0S` through), and every post-mortem
 * holiday as a real calendar date. Returns "key: problem" lines; empty when all is well.
 */
export function slaConfigProblems(file: FileConfig): string[] {
  const found: (string | undefined)[] = [];
  for (const [plan, bySeverity] of Object.entries(file.slaPolicies)) {
    for (const [severity, clocks] of Object.entries(bySeverity ?? {})) {
      for (const field of ['firstResponse', 'updateEvery'] as const) {
        const key = `slaPolicies.${plan}.${severity}.${field}`;
        found.push(problem(key, () => parseIsoDuration(clocks[field])));
      }
    }
  }
  found.push(problem('security.notifyWithin', () => parseIsoDuration(file.security.notifyWithin)));
  const { timezone, holidays } = file.postmortem;
  holidays.forEach((day, i) => {
    found.push(
      problem(`postmortem.holidays.${i}`, () =>
        isBusinessDayInZone(new Date(), { timezone, holidays: [day] }),
      ),
    );
  });
  return found.filter((p): p is string => p !== undefined);
}
