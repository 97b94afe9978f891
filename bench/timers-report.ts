import type { RecordedCall } from '../test/support/slack-emulator';
import { percentile } from './bench-support';
import type { Due, Recorded } from './timers-seed';

export interface RunFigures {
  label: string;
  expected: number;
  delivered: number;
  duplicates: number;
  misses: number;
  p50: number;
  p99: number;
  max: number;
  warnings: number;
  rejected429: number;
  workerPeakRssMb: number[];
  db: Recorded;
}

const key = (incident: number, tenant: string) => `${incident}/${tenant}`;

/**
 * Lateness of each breach message: when the emulator received the chat.postMessage naming the
 * tenant, minus that clock's due time. A tenant named by two accepted posts is a duplicate; a
 * clock no accepted post names is a miss.
 */
export function analyse(
  label: string,
  dues: Due[],
  calls: RecordedCall[],
  incidentOfChannel: (c: string) => number,
): Omit<RunFigures, 'workerPeakRssMb' | 'db'> {
  const due = new Map(dues.map((d) => [key(d.incident, d.tenant), d.dueAt]));
  const seen = new Map<string, number[]>();
  let warnings = 0;
  const posts = calls.filter((c) => c.method === 'chat.postMessage');
  for (const call of posts.filter((c) => c.status === 200)) {
    const text = typeof call.args.text === 'string' ? call.args.text : '';
    if (text.includes('SLA warning')) warnings += 1;
    if (!text.includes('SLA breach')) continue;
    const incident = incidentOfChannel(String(call.args.channel));
    for (const m of text.matchAll(/\*(t\d\d)\*/g)) {
      const k = key(incident, m[1] as string);
      seen.set(k, [...(seen.get(k) ?? []), call.time]);
    }
  }
  const lateness: number[] = [];
  let duplicates = 0;
  for (const [k, times] of seen) {
    const d = due.get(k);
    if (d === undefined) continue;
    lateness.push(Math.min(...times) - d);
    duplicates += times.length - 1;
  }
  lateness.sort((a, b) => a - b);
  return {
    label,
    expected: dues.length,
    delivered: lateness.length,
    duplicates,
    misses: dues.length - lateness.length,
    p50: percentile(lateness, 50),
    p99: percentile(lateness, 99),
    max: lateness.at(-1) ?? NaN,
    warnings,
    rejected429: posts.filter((c) => c.status === 429).length,
  };
}

/** `latenessTarget: false` (the capacity run, all overdue at start): lateness is shown, not judged. */
export function print(f: RunFigures, latenessTarget = true): void {
  const ms = (n: number) => `${Math.round(n)} ms`;
  const ok = (cond: boolean) => (cond ? 'ok' : 'MISSED TARGET');
  const rss = Math.max(...f.workerPeakRssMb);
  console.log(`\n== ${f.label} ==`);
  console.log(
    `breach messages      ${f.delivered} of ${f.expected} clocks (Postgres: ${f.db.breaches} breaches fired, ${f.db.posted} posted)`,
  );
  console.log(
    `lateness p50/p99/max ${ms(f.p50)} / ${ms(f.p99)} / ${ms(f.max)}   ${latenessTarget ? `p99 < 1 s: ${ok(f.p99 < 1000)}` : '(from the due times of a backlog: not a target)'}`,
  );
  console.log(
    `  of which: timer (claimed − due) p50/p99 ${ms(f.db.fireP50)} / ${ms(f.db.fireP99)}, Slack delivery (posted − claimed) p50/p99 ${ms(f.db.postP50)} / ${ms(f.db.postP99)}`,
  );
  console.log(`duplicates           ${f.duplicates}   ${ok(f.duplicates === 0)}`);
  console.log(`misses               ${f.misses}   ${ok(f.misses === 0)}`);
  console.log(`warnings posted      ${f.warnings} (Postgres: ${f.db.warnings} fired)`);
  console.log(
    `Slack 429 answers    ${f.rejected429} (each retried after Retry-After; none dropped if misses = 0)`,
  );
  console.log(
    `worker peak RSS      ${f.workerPeakRssMb.map((m) => `${Math.round(m)} MB`).join(', ')}   < 300 MB: ${ok(rss < 300)}`,
  );
}
