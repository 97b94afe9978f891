import { escapeLiteral } from 'pg';
import { inlineParams, quoteLiteral } from '../../src/adapters/postgres/database';

const inline = (sql: string, params: Parameters<typeof inlineParams>[1]) =>
  inlineParams(sql, params, escapeLiteral);

describe('inlineParams (one-round-trip statements)', () => {
  it('writes each kind of value as a literal', () => {
    expect(
      inline('SELECT $1, $2, $3, $4, $5, $6', [
        "it's",
        -5,
        true,
        null,
        new Date('2026-11-27T08:00:00.000Z'),
        [1, 2, 3],
      ]),
    ).toBe(`SELECT 'it''s', (-5), TRUE, NULL, '2026-11-27T08:00:00.000Z', '{1,2,3}'`);
  });

  it('keeps a negative number from turning into a comment', () => {
    expect(inline('SELECT 1-$1', [-1])).toBe('SELECT 1-(-1)');
  });

  it('escapes quotes and backslashes so a value cannot end its literal', () => {
    const sql = inline('SELECT $1', ["x'; DROP TABLE incidents; --\\"]);
    // pg's escapeLiteral: quotes doubled, backslashes doubled in an E'' string.
    expect(sql).toBe(`SELECT  E'x''; DROP TABLE incidents; --\\\\'`);
  });

  it('replaces $10 as the tenth parameter, not $1 followed by 0', () => {
    const params = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(inline('SELECT $10, $1', params)).toBe('SELECT (10), (1)');
  });

  it('writes an array of strings as an array literal, quotes and backslashes escaped', () => {
    expect(inline('SELECT $1', [['acme', 'a"b', 'c\\d', null]])).toBe(
      // Inside the array literal: "a\"b" and "c\\d"; escapeLiteral then doubles each backslash.
      `SELECT  E'{"acme","a\\\\"b","c\\\\\\\\d",NULL}'`,
    );
  });

  it('writes a plain object as JSON, as pg does', () => {
    expect(inline('SELECT $1::jsonb', [{ a: "it's" }])).toBe(`SELECT '{"a":"it''s"}'::jsonb`);
  });

  it('refuses a missing parameter and values it cannot write', () => {
    expect(() => inline('SELECT $2', [1])).toThrow('no parameter $2');
    expect(() => inline('SELECT $1', [Number.NaN])).toThrow('not a finite number');
    expect(() => inline('SELECT $1', [Buffer.from('x')])).toThrow('cannot be written as a literal');
    expect(() => inline('SELECT $1', [[1, { a: 1 }]])).toThrow('not numbers or strings');
  });
});

describe('quoteLiteral (what one-round-trip statements write strings as)', () => {
  it('writes plain text in single quotes, as is', () => {
    expect(quoteLiteral('acme')).toBe("'acme'");
    expect(quoteLiteral('')).toBe("''");
  });

  it('dollar-quotes text with quotes or backslashes, unchanged inside', () => {
    expect(quoteLiteral("x'; DROP TABLE incidents; --\\")).toBe(
      "$q$x'; DROP TABLE incidents; --\\$q$",
    );
  });

  it('picks a tag the text does not hold, nor ends with', () => {
    expect(quoteLiteral("it's $q$ here")).toBe("$q0$it's $q$ here$q0$");
    // "…$q" followed by "$q$" would close the literal early.
    expect(quoteLiteral("it's x$q")).toBe("$q0$it's x$q$q0$");
    expect(quoteLiteral("'$q$$q0$")).toBe("$q1$'$q$$q0$$q1$");
    expect(quoteLiteral("it's $")).toBe("$q$it's $$q$");
  });
});
