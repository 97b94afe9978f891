import { DomainError } from '../domain/errors';
import { isBusinessDayInZone } from '../domain/sla/business-days';
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
 * What the post-mortem clock would fail on later, found at start: every holiday as a real
 * calendar date (durations are checked by the schema with the clocks' own parser). Returns
 * "key: problem" lines; empty when all is well.
 */
export function slaConfigProblems(file: FileConfig): string[] {
  const found: (string | undefined)[] = [];
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
