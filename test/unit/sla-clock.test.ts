import { addBusinessDaysInZone, previousBusinessDay } from '../../src/domain/sla/business-days';
import {
  afterFiring,
  customerSchedule,
  displayState,
  nextTimer,
  postmortemSchedule,
  recomputed,
  securitySchedule,
  stepClass,
  type SlaClock,
} from '../../src/domain/sla/sla-clock';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const t0 = new Date('2026-03-10T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const P1 = { firstResponseMs: 30 * M, updateEveryMs: 60 * M };

function clock(over: Partial<SlaClock> = {}): SlaClock {
  const s = customerSchedule('first_response', t0, P1, t0);
  return {
    id: 1,
    incident: 4,
    tenant: 'acme',
    kind: 'first_response',
    status: 'pending',
    ...s,
    warnedAt: null,
    breachedAt: null,
    lastReminderN: 0,
    metAt: null,
    stoppedAt: null,
    generation: 1,
    ...over,
  };
}

describe('customerSchedule', () => {
  it('is due firstResponse after the start and warns 5 min before (80 % would be earlier)', () => {
    const s = customerSchedule('first_response', t0, P1, t0);
    expect(s.dueAt).toEqual(at(30 * M));
    expect(s.warnTimes).toEqual([at(25 * M)]);
    expect(s.repeatEveryMs).toBe(60 * M);
    expect(s.warningsSent).toBe(0);
  });

  it('warns at 80 % of a short window and uses updateEvery for update clocks', () => {
    const s = customerSchedule('update', t0, { firstResponseMs: 3 * S, updateEveryMs: 3 * S }, t0);
    expect(s.dueAt).toEqual(at(3 * S));
    expect(s.warnTimes).toEqual([at(2400)]);
  });

  it('counts warnings already in the past (a clock rebuilt late) as sent', () => {
    expect(customerSchedule('first_response', t0, P1, at(26 * M)).warningsSent).toBe(1);
  });
});

describe('nextTimer', () => {
  it.each([
    ['before the warning', 0, 'warn-1', 25 * M],
    ['at the warning', 25 * M, 'warn-1', 25 * M],
    ['between warning and due, warning missed (catch up)', 27 * M, 'warn-1', 25 * M],
    ['at due, warning never sent: the breach, not a stale warning', 30 * M, 'due', 30 * M],
    ['long after due', 5 * H, 'due', 30 * M],
  ])('pending, %s', (_name, now, step, when) => {
    expect(nextTimer(clock(), at(now))).toEqual({ step, at: at(when) });
  });

  it('goes to the breach once the warning was sent', () => {
    expect(nextTimer(clock({ warningsSent: 1 }), at(26 * M))).toEqual({
      step: 'due',
      at: at(30 * M),
    });
  });

  it.each([
    ['right after the breach', 0, 31 * M, 'repeat-1', 90 * M],
    ['after reminder 1', 1, 91 * M, 'repeat-2', 150 * M],
    [
      'after downtime: only the latest missed reminder',
      1,
      30 * M + 4 * H + M,
      'repeat-4',
      30 * M + 4 * H,
    ],
  ])('breached, %s', (_name, last, now, step, when) => {
    const c = clock({
      status: 'breached',
      warningsSent: 1,
      breachedAt: at(30 * M),
      lastReminderN: last,
    });
    expect(nextTimer(c, at(now))).toEqual({ step, at: at(when) });
  });

  it.each(['met', 'stopped'] as const)('never fires a %s clock', (status) => {
    expect(nextTimer(clock({ status }), at(0))).toBeUndefined();
  });

  it('does not repeat clocks without repeats (security, post-mortem)', () => {
    expect(
      nextTimer(clock({ status: 'breached', repeatEveryMs: null }), at(2 * H)),
    ).toBeUndefined();
  });

  it('walks the security reminders at 24, 48 and 66 h, then the due at 72 h', () => {
    const s = securitySchedule(t0, 72 * H, t0);
    const c = clock({ kind: 'security_notify', ...s });
    expect(nextTimer(c, at(0))).toEqual({ step: 'warn-1', at: at(24 * H) });
    expect(nextTimer({ ...c, warningsSent: 1 }, at(24 * H))).toEqual({
      step: 'warn-2',
      at: at(48 * H),
    });
    expect(nextTimer({ ...c, warningsSent: 2 }, at(48 * H))).toEqual({
      step: 'warn-3',
      at: at(66 * H),
    });
    expect(nextTimer({ ...c, warningsSent: 3 }, at(66 * H))).toEqual({
      step: 'due',
      at: at(72 * H),
    });
  });
});

describe('afterFiring', () => {
  it.each([
    ['warn-2', { warningsSent: 2, warnedAt: at(M) }],
    ['due', { status: 'breached', breachedAt: at(M) }],
    ['repeat-3', { lastReminderN: 3 }],
  ])('%s', (step, expected) => {
    expect(afterFiring(clock(), step, at(M))).toEqual(expected);
  });

  it('knows its step classes', () => {
    expect(['warn-1', 'due', 'repeat-1'].map(stepClass)).toEqual(['warning', 'breach', 'reminder']);
    expect(() => stepClass('later')).toThrow('Unknown SLA timer step');
  });
});

describe('displayState', () => {
  it.each([
    [0, 'on_time'],
    [25 * M, 'due_soon'],
    [30 * M, 'breached'],
  ])('a pending clock at +%i ms is %s', (now, state) => {
    expect(displayState(clock(), at(now))).toBe(state);
  });

  it('shows breached, met and stopped as they are', () => {
    expect(displayState(clock({ status: 'breached' }), at(0))).toBe('breached');
    expect(displayState(clock({ status: 'met' }), at(5 * H))).toBe('met');
    expect(displayState(clock({ status: 'stopped' }), at(5 * H))).toBe('stopped');
  });
});

describe('securitySchedule', () => {
  it('is due aware + notifyWithin and skips reminders already past when aware is earlier', () => {
    const s = securitySchedule(t0, 72 * H, at(30 * H));
    expect(s.dueAt).toEqual(at(72 * H));
    expect(s.warnTimes).toEqual([at(24 * H), at(48 * H), at(66 * H)]);
    expect(s.warningsSent).toBe(1);
  });
});

describe('postmortemSchedule', () => {
  const cal = { timezone: 'Europe/Madrid', holidays: ['2026-12-25', '2027-01-01'] };

  it.each([
    [
      'Wednesday → next Wednesday',
      '2026-03-11T09:00:00Z',
      '2026-03-18T09:00:00Z',
      '2026-03-17T09:00:00Z',
    ],
    [
      'Friday → next Friday, reminder Thursday',
      '2026-03-13T09:00:00Z',
      '2026-03-20T09:00:00Z',
      '2026-03-19T09:00:00Z',
    ],
    ['skipping Christmas', '2026-12-23T09:00:00Z', '2026-12-31T09:00:00Z', '2026-12-30T09:00:00Z'],
    [
      'across New Year and a weekend',
      '2026-12-28T09:00:00Z',
      '2027-01-05T09:00:00Z',
      '2027-01-04T09:00:00Z',
    ],
  ])('%s', (_name, resolved, due, reminder) => {
    const r = new Date(resolved);
    const d = addBusinessDaysInZone(r, 5, cal);
    const s = postmortemSchedule(r, d, previousBusinessDay(d, cal), r);
    expect(s.dueAt.toISOString()).toBe(new Date(due).toISOString());
    expect(s.warnTimes.map((w) => w.toISOString())).toEqual([new Date(reminder).toISOString()]);
  });

  it('has no reminder when the day before due is not after the resolve', () => {
    const r = new Date('2026-03-11T09:00:00Z');
    const d = addBusinessDaysInZone(r, 1, cal);
    expect(postmortemSchedule(r, d, previousBusinessDay(d, cal), r).warnTimes).toEqual([]);
  });
});

describe('recomputed (severity change)', () => {
  const P2 = { firstResponseMs: 60 * M, updateEveryMs: 2 * H };

  it('keeps the start and takes the new interval', () => {
    expect(recomputed(clock(), P2, at(10 * M))).toMatchObject({
      dueAt: at(60 * M),
      warnTimes: [at(55 * M)],
      status: 'pending',
      warningsSent: 0,
    });
  });

  it('un-breaches a clock whose new due is still ahead', () => {
    const c = clock({
      status: 'breached',
      breachedAt: at(30 * M),
      warningsSent: 1,
      warnedAt: at(25 * M),
    });
    expect(recomputed(c, P2, at(40 * M))).toMatchObject({
      status: 'pending',
      breachedAt: null,
      dueAt: at(60 * M),
      warningsSent: 0,
    });
  });

  it('keeps a clock breached when the new due also passed, and skips reminders already due', () => {
    const c = clock({ status: 'breached', breachedAt: at(30 * M) });
    expect(
      recomputed(c, { firstResponseMs: 15 * M, updateEveryMs: 10 * M }, at(40 * M)),
    ).toMatchObject({
      status: 'breached',
      dueAt: at(15 * M),
      repeatEveryMs: 10 * M,
      lastReminderN: 2,
    });
  });
});
