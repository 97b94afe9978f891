import { parseConfigText } from '../../src/config/load-config';
import { parseIncidentCommand } from '../../src/domain/incidents/incident-command';
import { parseIsoInstant } from '../../src/domain/sla/iso-instant';

describe('/incident security and notified parsing', () => {
  it('parses security with and without aware=', () => {
    expect(parseIncidentCommand('security INC-4')).toEqual({ kind: 'security', ref: 4 });
    expect(parseIncidentCommand('security')).toEqual({ kind: 'security', ref: undefined });
    expect(parseIncidentCommand('security INC-4 aware=2026-03-10T09:30+01:00')).toEqual({
      kind: 'security',
      ref: 4,
      aware: new Date('2026-03-10T08:30:00Z'),
    });
  });

  it.each([
    ['aware=yesterday', 'not an ISO-8601 time'],
    ['aware=2026-03-10T09:30', 'not an ISO-8601 time'],
    ['aware=2026-13-01T00:00Z', 'not an ISO-8601 time'],
    ['aware=2026-02-29T00:00Z', 'not an ISO-8601 time'],
    ['now please', "I don't understand"],
  ])('refuses security %s', (args, message) => {
    expect(() => parseIncidentCommand(`security INC-4 ${args}`)).toThrow(message);
  });

  it('parses notified for a tenant or all', () => {
    expect(parseIncidentCommand('notified INC-4 acme')).toEqual({
      kind: 'notified',
      ref: 4,
      tenant: 'acme',
    });
    expect(parseIncidentCommand('notified ALL')).toEqual({
      kind: 'notified',
      ref: undefined,
      tenant: 'all',
    });
    expect(() => parseIncidentCommand('notified INC-4')).toThrow('Name the tenant');
    expect(() => parseIncidentCommand('notified INC-4 Bad_Tenant')).toThrow('not a tenant id');
  });

  it('lists both in help', () => {
    const help = () => parseIncidentCommand('frobnicate');
    expect(help).toThrow('/incident security [INC-n] [aware=<ISO time>]');
    expect(help).toThrow('/incident notified [INC-n] <tenant|all>');
  });
});

describe('parseIsoInstant', () => {
  it.each([
    ['2026-03-10T09:30Z', '2026-03-10T09:30:00.000Z'],
    ['2026-03-10 09:30:15z', '2026-03-10T09:30:15.000Z'],
    ['2026-03-10T09:30:15.5-0500', '2026-03-10T14:30:15.500Z'],
    ['2028-02-29T00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('%s', (text, iso) => {
    expect(parseIsoInstant(text).toISOString()).toBe(iso);
  });

  it.each([
    '',
    '2026-03-10',
    '2026-03-10T24:00Z',
    '2026-03-10T09:60Z',
    '2026-04-31T09:00Z',
    '10/03/2026 09:30Z',
  ])('refuses %p', (text) => {
    expect(() => parseIsoInstant(text)).toThrow('not an ISO-8601 time');
  });
});

describe('SLA config checked at start', () => {
  const config = (policies: string, extra = '') => `
tenants: [{ id: acme, name: Acme }]
slaPolicies:
${policies}
${extra}`;

  it('refuses a duration the regex lets through but the clock parser rejects, naming the key', () => {
    expect(() =>
      parseConfigText(
        config('  default:\n    P1: { firstResponse: PT0S, updateEvery: PT60M }'),
        'c.yaml',
      ),
    ).toThrow(/slaPolicies\.default\.P1\.firstResponse: Invalid ISO-8601 duration "PT0S"/);
    expect(() =>
      parseConfigText(
        config(
          '  default:\n    P1: { firstResponse: PT30M, updateEvery: PT60M }',
          'security: { notifyWithin: P0D }',
        ),
        'c.yaml',
      ),
    ).toThrow(/security\.notifyWithin: Invalid ISO-8601 duration "P0D"/);
  });

  it('refuses a holiday that is not a calendar date, naming it', () => {
    const text = config(
      '  default:\n    P1: { firstResponse: PT30M, updateEvery: PT60M }',
      "postmortem: { holidays: ['2026-12-25', '2026-02-30'] }",
    );
    expect(() => parseConfigText(text, 'c.yaml')).toThrow(
      /postmortem\.holidays\.1: Holiday "2026-02-30"/,
    );
  });

  it('accepts the example policies', () => {
    expect(() =>
      parseConfigText(
        config('  enterprise:\n    P1: { firstResponse: PT15M, updateEvery: PT30M }'),
        'c.yaml',
      ),
    ).not.toThrow();
  });
});
