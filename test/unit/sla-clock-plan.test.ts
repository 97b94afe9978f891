import { DomainError } from '../../src/domain/errors';
import {
  clockState,
  dueAt,
  nextRepeatAfter,
  repeatAt,
  resolvePolicy,
  securityDue,
  securityReminderTimes,
  warnAt,
  type SlaPolicies,
} from '../../src/domain/sla/clock-plan';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

const at = (iso: string): Date => new Date(iso);
const start = at('2026-03-10T10:00:00.000Z');

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('dueAt', () => {
  it('falls due one interval after the clock starts', () => {
    expect(dueAt({ startedAt: start, intervalMs: 30 * M })).toEqual(at('2026-03-10T10:30:00Z'));
  });

  it.each([
    ['zero', 0],
    ['negative', -M],
    ['fractional', 1.5],
    ['NaN', NaN],
    ['infinite', Infinity],
  ])('rejects a %s interval with invalid_interval', (_case, intervalMs) => {
    const error = thrown(() => dueAt({ startedAt: start, intervalMs }));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'invalid_interval' });
  });

  it('rejects an invalid start date with invalid_date', () => {
    expect(thrown(() => dueAt({ startedAt: at('nope'), intervalMs: M }))).toMatchObject({
      code: 'invalid_date',
    });
  });
});

describe('warnAt', () => {
  it.each([
    ['30 min warns 5 min before due, later than 80 % (24 min)', 30 * M, '10:25:00'],
    ['60 min warns 5 min before due, later than 80 % (48 min)', 60 * M, '10:55:00'],
    ['2 h warns 5 min before due', 2 * H, '11:55:00'],
    ['25 min warns at 20 min, where 80 % and due - 5 min meet', 25 * M, '10:20:00'],
    ['10 min warns at 80 % (8 min), later than due - 5 min', 10 * M, '10:08:00'],
    ['1 min warns at 80 % (48 s) since due - 5 min is before start', M, '10:00:48'],
    ['1 ms warns at start, never before it', 1, '10:00:00'],
  ])('an interval of %s', (_case, intervalMs, time) => {
    expect(warnAt({ startedAt: start, intervalMs })).toEqual(at(`2026-03-10T${time}Z`));
  });

  it('always warns before or at due and at or after start', () => {
    for (const intervalMs of [1, 999, 5 * M, 6 * M, 24 * H]) {
      const plan = { startedAt: start, intervalMs };
      expect(warnAt(plan).getTime()).toBeGreaterThanOrEqual(start.getTime());
      expect(warnAt(plan).getTime()).toBeLessThanOrEqual(dueAt(plan).getTime());
    }
  });
});

describe('repeatAt', () => {
  const due = at('2026-03-10T10:30:00Z');

  it.each([
    [1, '11:30:00'],
    [2, '12:30:00'],
    [5, '15:30:00'],
  ])('repeats breach reminder %i one updateEvery apart after due (%s)', (n, time) => {
    expect(repeatAt(due, H, n)).toEqual(at(`2026-03-10T${time}Z`));
  });

  it.each([0, -1, 1.5, NaN])('rejects repeat number %p with invalid_repeat', (n) => {
    expect(thrown(() => repeatAt(due, H, n))).toMatchObject({ code: 'invalid_repeat' });
  });

  it('rejects a non-positive updateEvery with invalid_interval', () => {
    expect(thrown(() => repeatAt(due, 0, 1))).toMatchObject({ code: 'invalid_interval' });
  });
});

describe('nextRepeatAfter', () => {
  const due = at('2026-03-10T10:30:00Z');

  it.each([
    ['before due', '10:00:00', 1, '11:30:00'],
    ['at due', '10:30:00', 1, '11:30:00'],
    ['between reminders', '12:00:00', 2, '12:30:00'],
    ['exactly on a reminder (strictly after it)', '11:30:00', 2, '12:30:00'],
  ])('schedules the next reminder when now is %s', (_case, now, n, time) => {
    expect(nextRepeatAfter(due, H, at(`2026-03-10T${now}Z`))).toEqual({
      n,
      at: at(`2026-03-10T${time}Z`),
    });
  });
});

describe('clockState', () => {
  const warn = at('2026-03-10T10:25:00Z');
  const due = at('2026-03-10T10:30:00Z');

  it.each([
    ['on_time well before the warning', '10:00:00.000', false, 'on_time'],
    ['on_time just before the warning', '10:24:59.999', false, 'on_time'],
    ['due_soon from the warning instant', '10:25:00.000', false, 'due_soon'],
    ['due_soon just before due', '10:29:59.999', false, 'due_soon'],
    ['breached from the due instant', '10:30:00.000', false, 'breached'],
    ['breached long after due', '13:00:00.000', false, 'breached'],
    ['stopped when stopped before warning', '10:00:00.000', true, 'stopped'],
    ['stopped when stopped after due', '13:00:00.000', true, 'stopped'],
  ])('is %s', (_case, now, stopped, state) => {
    expect(clockState(at(`2026-03-10T${now}Z`), warn, due, stopped)).toBe(state);
  });
});

describe('security clock', () => {
  const aware = at('2026-03-10T08:00:00Z');

  it('is due notifyWithin after awareness', () => {
    expect(securityDue(aware, 72 * H)).toEqual(at('2026-03-13T08:00:00Z'));
  });

  it('reminds at 24 h, 48 h, 66 h and due of a 72 h window', () => {
    expect(securityReminderTimes(aware, 72 * H, aware)).toEqual([
      at('2026-03-11T08:00:00Z'),
      at('2026-03-12T08:00:00Z'),
      at('2026-03-13T02:00:00Z'),
      at('2026-03-13T08:00:00Z'),
    ]);
  });

  it.each([
    [
      '36 h',
      36 * H,
      ['2026-03-10T20:00Z', '2026-03-11T08:00Z', '2026-03-11T17:00Z', '2026-03-11T20:00Z'],
    ],
    [
      '24 h',
      24 * H,
      ['2026-03-10T16:00Z', '2026-03-11T00:00Z', '2026-03-11T06:00Z', '2026-03-11T08:00Z'],
    ],
    [
      '96 h',
      96 * H,
      ['2026-03-11T16:00Z', '2026-03-13T00:00Z', '2026-03-14T00:00Z', '2026-03-14T08:00Z'],
    ],
  ])('scales reminders proportionally for a %s window', (_case, window, times) => {
    expect(securityReminderTimes(aware, window, aware)).toEqual(times.map(at));
  });

  it('skips reminders already in the past', () => {
    expect(securityReminderTimes(aware, 72 * H, at('2026-03-12T09:00:00Z'))).toEqual([
      at('2026-03-13T02:00:00Z'),
      at('2026-03-13T08:00:00Z'),
    ]);
  });

  it('keeps a reminder that falls exactly at now', () => {
    expect(securityReminderTimes(aware, 72 * H, at('2026-03-12T08:00:00Z'))).toHaveLength(3);
  });

  it('returns nothing once the notification is overdue', () => {
    expect(securityReminderTimes(aware, 72 * H, at('2026-03-13T08:00:00.001Z'))).toEqual([]);
  });

  it('never returns the same instant twice for a tiny window', () => {
    expect(securityReminderTimes(aware, 2, aware)).toEqual([
      at('2026-03-10T08:00:00.000Z'),
      at('2026-03-10T08:00:00.001Z'),
      at('2026-03-10T08:00:00.002Z'),
    ]);
  });

  it('rejects a non-positive window with invalid_interval', () => {
    expect(thrown(() => securityReminderTimes(aware, 0, aware))).toMatchObject({
      code: 'invalid_interval',
    });
  });
});

describe('resolvePolicy', () => {
  const policies: SlaPolicies = {
    default: {
      P1: { firstResponse: 'PT30M', updateEvery: 'PT60M' },
      P2: { firstResponse: 'PT1H', updateEvery: 'PT2H' },
    },
    enterprise: { P1: { firstResponse: 'PT15M', updateEvery: 'PT30M' } },
  };

  it.each([
    [
      "the plan's own entry",
      'enterprise',
      'P1',
      { firstResponseMs: 15 * M, updateEveryMs: 30 * M },
    ],
    [
      "default's entry when the plan lacks the severity",
      'enterprise',
      'P2',
      { firstResponseMs: H, updateEveryMs: 2 * H },
    ],
    [
      "default's entry for an unknown plan",
      'starter',
      'P1',
      { firstResponseMs: 30 * M, updateEveryMs: H },
    ],
    ['no clock when neither has the severity', 'enterprise', 'P3', undefined],
    [
      "default's entry for a plan named like an Object.prototype key",
      'constructor',
      'P1',
      { firstResponseMs: 30 * M, updateEveryMs: H },
    ],
  ] as const)('uses %s', (_case, plan, severity, expected) => {
    expect(resolvePolicy(policies, plan, severity)).toEqual(expected);
  });

  it('has no clock when there is no default and the plan is unknown', () => {
    expect(resolvePolicy({ enterprise: policies.enterprise! }, 'starter', 'P1')).toBeUndefined();
  });

  it('rejects a malformed duration in the chosen entry with invalid_duration', () => {
    const bad: SlaPolicies = { default: { P1: { firstResponse: 'P1M', updateEvery: 'PT1H' } } };
    expect(thrown(() => resolvePolicy(bad, 'enterprise', 'P1'))).toMatchObject({
      code: 'invalid_duration',
    });
  });
});
