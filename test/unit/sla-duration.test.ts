import { DomainError } from '../../src/domain/errors';
import { formatDuration, parseIsoDuration } from '../../src/domain/sla/duration';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseIsoDuration', () => {
  it.each([
    ['PT30M', 30 * M],
    ['PT1H', H],
    ['PT72H', 72 * H],
    ['P1D', D],
    ['PT1H30M', H + 30 * M],
    ['PT3S', 3 * S],
    ['PT0.5S', 500],
    ['P1DT2H', D + 2 * H],
    ['P1W', 7 * D],
    ['P1W2D', 9 * D],
    ['PT60M', H],
    ['PT90M', H + 30 * M],
    ['PT1.5H', H + 30 * M],
    ['PT1,5H', H + 30 * M],
    ['PT1H0.25M', H + 15 * S],
    ['P2DT3H4M5S', 2 * D + 3 * H + 4 * M + 5 * S],
  ])('parses %s as %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it('treats a day as exactly 24 hours, not a calendar day', () => {
    expect(parseIsoDuration('P1D')).toBe(parseIsoDuration('PT24H'));
  });

  it.each([
    ['an empty string', ''],
    ['a bare P', 'P'],
    ['a bare PT', 'PT'],
    ['a trailing T with no time part', 'P1DT'],
    ['a negative duration', '-PT1H'],
    ['a negative component', 'PT-1H'],
    ['garbage', 'thirty minutes'],
    ['a plain number', '30'],
    ['a missing P', 'T30M'],
    ['hours without T', 'P1H'],
    ['a number without a unit', 'PT30'],
    ['lower-case designators', 'pt30m'],
    ['surrounding whitespace', ' PT30M '],
    ['components out of order', 'PT30M1H'],
    ['a repeated component', 'PT1H1H'],
    ['a fraction on a non-final component', 'PT1.5H30M'],
    ['a zero duration', 'PT0S'],
    ['a duration that rounds to zero ms', 'PT0.0001S'],
    ['a duration beyond safe integers', 'P999999999999999W'],
  ])('rejects %s (%j) with invalid_duration', (_case, text) => {
    const error = thrown(() => parseIsoDuration(text));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'invalid_duration' });
  });

  it.each(['P1Y', 'P1M', 'P1Y2M', 'P1M2DT3H', 'P0.5Y'])(
    'rejects years and months (%s) because their length is ambiguous',
    (text) => {
      const error = thrown(() => parseIsoDuration(text));
      expect(error).toMatchObject({ code: 'invalid_duration' });
      expect((error as Error).message).toMatch(/years and months/);
    },
  );

  it('still reads M after T as minutes', () => {
    expect(parseIsoDuration('P1DT1M')).toBe(D + M);
  });
});

describe('formatDuration', () => {
  it.each([
    [H + 30 * M, '1h 30m'],
    [45 * S, '45s'],
    [2 * D + 3 * H, '2d 3h'],
    [H, '1h'],
    [M + 30 * S, '1m 30s'],
    [3 * D, '3d'],
    [0, '0s'],
    [999, '0s'],
  ])('formats %i ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('truncates below the two largest units so a countdown never overstates time left', () => {
    expect(formatDuration(H + 30 * M + 59 * S)).toBe('1h 30m');
    expect(formatDuration(2 * D + 3 * H + 59 * M)).toBe('2d 3h');
  });

  it('drops a zero unit instead of showing a smaller one in its place', () => {
    expect(formatDuration(2 * D + 5 * M)).toBe('2d');
    expect(formatDuration(H + 30 * S)).toBe('1h');
  });

  it('shows more units when asked', () => {
    expect(formatDuration(2 * D + 3 * H + 15 * M, 3)).toBe('2d 3h 15m');
    expect(formatDuration(H + 30 * M, 1)).toBe('1h');
  });

  it('prefixes negative durations with a minus sign', () => {
    expect(formatDuration(-5 * M)).toBe('-5m');
  });

  it('round-trips config durations into readable text', () => {
    expect(formatDuration(parseIsoDuration('PT1H30M'))).toBe('1h 30m');
    expect(formatDuration(parseIsoDuration('PT72H'))).toBe('3d');
  });

  it.each([
    ['NaN', NaN, 2],
    ['Infinity', Infinity, 2],
    ['zero units', 1000, 0],
  ])('rejects %s with invalid_duration', (_case, ms, maxUnits) => {
    expect(thrown(() => formatDuration(ms, maxUnits))).toMatchObject({ code: 'invalid_duration' });
  });
});
