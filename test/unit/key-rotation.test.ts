import { DomainError } from '../../src/domain/errors';
import { tenantKeyName } from '../../src/domain/keys/key-name';
import {
  assessRotation,
  rotationWindow,
  type KeyVersionTime,
} from '../../src/domain/keys/rotation';

const DAY = 24 * 3600_000;
const T0 = new Date('2025-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const v1: KeyVersionTime[] = [{ version: 1, createdAt: T0 }];

describe('assessRotation', () => {
  it.each([
    ['just created', v1, 0, 'P180D', 'ok'],
    ['one second before the warning (165 days)', v1, 165 * DAY - 1000, 'P180D', 'ok'],
    ['exactly at 5.5 months (165 days)', v1, 165 * DAY, 'P180D', 'warn'],
    ['170 days old', v1, 170 * DAY, 'P180D', 'warn'],
    ['one second before due', v1, 180 * DAY - 1000, 'P180D', 'warn'],
    ['exactly rotateEvery old', v1, 180 * DAY, 'P180D', 'due'],
    ['7 months old', v1, 213 * DAY, 'P180D', 'due'],
    ['created in the future (clock skew)', v1, -2 * DAY, 'P180D', 'ok'],
    ['a short period scales the warning: P12D warns at 11 days', v1, 11 * DAY, 'P12D', 'warn'],
    ['... and not before', v1, 11 * DAY - 1, 'P12D', 'ok'],
    ['hours: PT12H warns at 11 h', v1, 11 * 3600_000, 'PT12H', 'warn'],
    [
      'the newest version counts, whatever the list order',
      [
        { version: 2, createdAt: at(200 * DAY) },
        { version: 1, createdAt: T0 },
      ],
      210 * DAY,
      'P180D',
      'ok',
    ],
    [
      'the highest version number counts, not the most recent time',
      [
        { version: 1, createdAt: at(300 * DAY) },
        { version: 2, createdAt: T0 },
      ],
      200 * DAY,
      'P180D',
      'due',
    ],
  ] as const)('%s', (_name, versions, ageMs, every, expected) => {
    expect(assessRotation(versions, at(ageMs), every).state).toBe(expected);
  });

  it('gives the warning and due dates of the newest version', () => {
    const r = assessRotation(
      [
        { version: 1, createdAt: T0 },
        { version: 2, createdAt: at(10 * DAY) },
      ],
      at(20 * DAY),
      'P180D',
    );
    expect(r).toEqual({
      state: 'ok',
      latestVersion: 2,
      latestCreatedAt: at(10 * DAY),
      ageMs: 10 * DAY,
      warnAt: at(175 * DAY),
      dueAt: at(190 * DAY),
    });
  });

  it('says missing when there is no version', () => {
    expect(assessRotation([], T0, 'P180D')).toEqual({ state: 'missing' });
  });

  it.each([
    ['months, whose length is ambiguous', 'P6M'],
    ['an empty duration', ''],
    ['zero', 'PT0S'],
  ])('refuses rotateEvery with %s', (_name, every) => {
    expect(() => assessRotation(v1, T0, every)).toThrow(
      expect.objectContaining({ code: 'invalid_duration' }) as Error,
    );
  });

  it.each([
    ['an invalid creation time', [{ version: 1, createdAt: new Date('nope') }]],
    ['version 0', [{ version: 0, createdAt: T0 }]],
    ['a fractional version', [{ version: 1.5, createdAt: T0 }]],
  ])('refuses a key version with %s', (_name, versions) => {
    expect(() => assessRotation(versions, T0, 'P180D')).toThrow(DomainError);
  });

  it('warns rotateEvery / 12 ahead: 15 days for the default 180', () => {
    expect(rotationWindow('P180D')).toEqual({ everyMs: 180 * DAY, warnBeforeMs: 15 * DAY });
  });
});

describe('tenantKeyName', () => {
  it.each([
    ['tenant-{id}', 'acme', 'tenant-acme'],
    ['{id}', 'globex', 'globex'],
    ['{id}.key@{id}', 'ab', 'ab.key@ab'],
  ])('%s for %s is %s', (template, tenant, expected) => {
    expect(tenantKeyName(template, tenant)).toBe(expected);
  });

  it('refuses a malformed tenant id, naming it', () => {
    expect(() => tenantKeyName('tenant-{id}', 'Acme Corp')).toThrow(
      /Invalid tenant id "Acme Corp"/,
    );
  });

  it('refuses a template that makes a name Vault would refuse', () => {
    expect(() => tenantKeyName('keys/{id}', 'acme')).toThrow(
      expect.objectContaining({ code: 'invalid_key_name' }) as Error,
    );
    expect(() => tenantKeyName('{id}-', 'acme')).toThrow(/refuses as a key name/);
  });
});
