import { DomainError } from '../../src/domain/errors';
import {
  addBusinessDaysInZone,
  isBusinessDayInZone,
  previousBusinessDay,
} from '../../src/domain/sla/business-days';

const madrid = { timezone: 'Europe/Madrid', holidays: ['2026-12-25'] };
const newYork = { timezone: 'America/New_York', holidays: [] };
const cairo = { timezone: 'Africa/Cairo', holidays: [] };
const at = (iso: string): Date => new Date(iso);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('addBusinessDaysInZone', () => {
  it.each([
    // [case, resolved (local offset), days, calendar, due (local offset)]
    [
      'counts Wednesday + 5 to next Wednesday',
      '2026-03-04T10:00+01:00',
      5,
      madrid,
      '2026-03-11T10:00+01:00',
    ],
    [
      'counts Friday + 5 to next Friday',
      '2026-03-06T17:30+01:00',
      5,
      madrid,
      '2026-03-13T17:30+01:00',
    ],
    [
      'counts Friday + 1 to Monday, skipping the weekend',
      '2026-03-06T17:30+01:00',
      1,
      madrid,
      '2026-03-09T17:30+01:00',
    ],
    [
      'counts Monday as day 1 when resolved on Saturday',
      '2026-03-07T10:00+01:00',
      5,
      madrid,
      '2026-03-13T10:00+01:00',
    ],
    [
      'counts Monday as day 1 when resolved late on Sunday',
      '2026-03-08T23:59+01:00',
      5,
      madrid,
      '2026-03-13T23:59+01:00',
    ],
    [
      'skips a configured holiday (2026-12-25)',
      '2026-12-22T10:00+01:00',
      5,
      madrid,
      '2026-12-30T10:00+01:00',
    ],
    [
      'counts the next business day as day 1 when resolved on a holiday',
      '2026-12-25T10:00+01:00',
      1,
      madrid,
      '2026-12-28T10:00+01:00',
    ],
    [
      'keeps 10:00 local across the spring DST change (Madrid)',
      '2026-03-25T10:00+01:00',
      5,
      madrid,
      '2026-04-01T10:00+02:00',
    ],
    [
      'keeps 10:00 local across the autumn DST change (Madrid)',
      '2026-10-22T10:00+02:00',
      5,
      madrid,
      '2026-10-29T10:00+01:00',
    ],
    [
      'keeps 09:00 local across the spring DST change (New York)',
      '2026-03-04T09:00-05:00',
      5,
      newYork,
      '2026-03-11T09:00-04:00',
    ],
    [
      'keeps 09:00 local across the autumn DST change (New York)',
      '2026-10-29T09:00-04:00',
      5,
      newYork,
      '2026-11-05T09:00-05:00',
    ],
    [
      'counts from a resolve during the DST-change Sunday',
      '2026-03-29T03:30+02:00',
      5,
      madrid,
      '2026-04-03T03:30+02:00',
    ],
    [
      'keeps seconds and milliseconds of the time of day',
      '2026-03-04T10:15:42.123+01:00',
      5,
      madrid,
      '2026-03-11T10:15:42.123+01:00',
    ],
  ])('%s', (_case, resolved, days, calendar, due) => {
    expect(addBusinessDaysInZone(at(resolved), days, calendar)).toEqual(at(due));
  });

  it('uses the local day in the zone, not the UTC day (Friday 23:30 UTC is Saturday in Madrid)', () => {
    expect(addBusinessDaysInZone(at('2026-03-06T23:30Z'), 5, madrid)).toEqual(
      at('2026-03-13T00:30+01:00'),
    );
  });

  it('uses the local day in the zone, not the UTC day (Saturday 03:00 UTC is Friday in New York)', () => {
    expect(addBusinessDaysInZone(at('2026-03-07T03:00Z'), 1, newYork)).toEqual(
      at('2026-03-09T22:00-04:00'),
    );
  });

  describe('across the year end', () => {
    it('skips New Year when 2027-01-01 is a holiday', () => {
      const calendar = { timezone: 'Europe/Madrid', holidays: ['2026-12-25', '2027-01-01'] };
      expect(addBusinessDaysInZone(at('2026-12-30T15:00+01:00'), 5, calendar)).toEqual(
        at('2027-01-07T15:00+01:00'),
      );
    });

    it('counts 2027-01-01 as a business day when it is not listed', () => {
      expect(addBusinessDaysInZone(at('2026-12-30T15:00+01:00'), 5, madrid)).toEqual(
        at('2027-01-06T15:00+01:00'),
      );
    });

    it('skips several holidays over ten business days', () => {
      const calendar = {
        timezone: 'Europe/Madrid',
        holidays: ['2026-12-25', '2027-01-01', '2027-01-06'],
      };
      expect(addBusinessDaysInZone(at('2026-12-18T10:00+01:00'), 10, calendar)).toEqual(
        at('2027-01-05T10:00+01:00'),
      );
    });
  });

  describe('when the due wall time hits a DST change on a business day (Africa/Cairo)', () => {
    it('moves a skipped time forward to the first instant after the gap', () => {
      // Friday 2026-04-24 00:00 EET jumps to 01:00 EEST, so 00:30 does not exist that day.
      expect(addBusinessDaysInZone(at('2026-04-23T00:30+02:00'), 1, cairo)).toEqual(
        at('2026-04-24T01:00+03:00'),
      );
    });

    it('takes the first occurrence of a repeated time', () => {
      // Thursday 2026-10-29 24:00 EEST falls back to 23:00 EET, so 23:30 happens twice.
      expect(addBusinessDaysInZone(at('2026-10-28T23:30+03:00'), 1, cairo)).toEqual(
        at('2026-10-29T23:30+03:00'),
      );
    });
  });

  it('returns the start unchanged for zero business days, even on a weekend', () => {
    const saturday = at('2026-03-07T10:00+01:00');
    expect(addBusinessDaysInZone(saturday, 0, madrid)).toEqual(saturday);
  });

  it('accepts a time zone in any case or as a link name', () => {
    const due = at('2026-03-11T09:00-04:00');
    expect(
      addBusinessDaysInZone(at('2026-03-04T09:00-05:00'), 5, {
        ...newYork,
        timezone: 'america/new_york',
      }),
    ).toEqual(due);
    expect(
      addBusinessDaysInZone(at('2026-03-04T09:00-05:00'), 5, {
        ...newYork,
        timezone: 'US/Eastern',
      }),
    ).toEqual(due);
  });

  it.each(['Mars/Olympus', '', '+02:00', 'CET+1'])(
    'rejects time zone %j with invalid_timezone',
    (timezone) => {
      const error = thrown(() =>
        addBusinessDaysInZone(at('2026-03-04T10:00Z'), 5, { timezone, holidays: [] }),
      );
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code: 'invalid_timezone' });
    },
  );

  it.each(['2026-13-01', '2026-02-30', '25/12/2026', '2026-1-1', '2026-12-25T00:00', ''])(
    'rejects holiday %j with invalid_holiday',
    (holiday) => {
      const error = thrown(() =>
        addBusinessDaysInZone(at('2026-03-04T10:00Z'), 5, { ...madrid, holidays: [holiday] }),
      );
      expect(error).toMatchObject({ code: 'invalid_holiday' });
    },
  );

  it.each([-1, 1.5, NaN, 100_000])(
    'rejects %p business days with invalid_business_days',
    (days) => {
      expect(
        thrown(() => addBusinessDaysInZone(at('2026-03-04T10:00Z'), days, madrid)),
      ).toMatchObject({
        code: 'invalid_business_days',
      });
    },
  );

  it('rejects an invalid start date with invalid_date', () => {
    expect(thrown(() => addBusinessDaysInZone(at('nope'), 5, madrid))).toMatchObject({
      code: 'invalid_date',
    });
  });
});

describe('previousBusinessDay', () => {
  it.each([
    ['Thursday for a Friday', '2026-03-13T10:00+01:00', madrid, '2026-03-12T10:00+01:00'],
    ['Friday for a Monday', '2026-03-09T10:00+01:00', madrid, '2026-03-06T10:00+01:00'],
    ['Friday for a Saturday', '2026-03-07T10:00+01:00', madrid, '2026-03-06T10:00+01:00'],
    [
      'the day before a holiday for the Monday after it',
      '2026-12-28T10:00+01:00',
      madrid,
      '2026-12-24T10:00+01:00',
    ],
    [
      'Friday at the same local time across the spring DST change',
      '2026-03-30T10:00+02:00',
      madrid,
      '2026-03-27T10:00+01:00',
    ],
    [
      'the previous year across New Year when it is a holiday',
      '2027-01-04T10:00+01:00',
      { ...madrid, holidays: ['2027-01-01'] },
      '2026-12-31T10:00+01:00',
    ],
  ])('is %s', (_case, date, calendar, expected) => {
    expect(previousBusinessDay(at(date), calendar)).toEqual(at(expected));
  });

  it('gives the reminder one business day before a post-mortem due date', () => {
    const due = addBusinessDaysInZone(at('2026-12-22T10:00+01:00'), 5, madrid);
    expect(previousBusinessDay(due, madrid)).toEqual(at('2026-12-29T10:00+01:00'));
  });

  it('rejects an unknown time zone with invalid_timezone', () => {
    expect(
      thrown(() =>
        previousBusinessDay(at('2026-03-13T10:00Z'), { timezone: 'Nowhere', holidays: [] }),
      ),
    ).toMatchObject({ code: 'invalid_timezone' });
  });
});

describe('isBusinessDayInZone', () => {
  it.each([
    ['a Wednesday', '2026-03-04T10:00+01:00', true],
    ['a Saturday', '2026-03-07T10:00+01:00', false],
    ['a configured holiday', '2026-12-25T10:00+01:00', false],
    ['Friday 23:30 UTC, already Saturday in Madrid', '2026-03-06T23:30Z', false],
  ])('says whether %s is a business day', (_case, date, expected) => {
    expect(isBusinessDayInZone(at(date), madrid)).toBe(expected);
  });
});
