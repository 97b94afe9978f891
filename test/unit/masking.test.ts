import { maskDeep, maskPersonalData, maskUrlCredentials } from '../../src/domain/masking';

describe('maskPersonalData', () => {
  it.each([
    // emails: first character of the local part and the domain stay
    ['contact john.doe@example.com now', 'contact j***@example.com now'],
    ['first.last+tag@sub.example.co.uk', 'f***@sub.example.co.uk'],
    ['<mailto:bob@acme.io|bob@acme.io>', '<mailto:b***@acme.io|b***@acme.io>'],
    // phones: only the last two digits stay
    ['call +34 612 345 678 please', 'call ***-**78 please'],
    ['+1 (555) 123-4567', '***-**67'],
    ['+447911123456', '***-**56'],
    ['US (555) 123-4567', 'US ***-**67'],
    ['555-123-4567', '***-**67'],
    ['555.123.4567', '***-**67'],
    ['móvil 612 345 678', 'móvil ***-**78'],
    ['Madrid 91 123 45 67', 'Madrid ***-**67'],
    ['FR 06 12 34 56 78', 'FR ***-**78'],
    ['UK 020 7946 0958', 'UK ***-**58'],
    // payment cards (Luhn-valid): last four stay
    ['card 4111 1111 1111 1111', 'card **** **** **** 1111'],
    ['card 4111-1111-1111-1111.', 'card **** **** **** 1111.'],
    ['4111111111111111', '**** **** **** 1111'],
    ['amex 3782 822463 10005', 'amex **** **** **** 0005'],
    ['mc 5555555555554444 cvv 123', 'mc **** **** **** 4444 cvv 123'],
    ['4111 1111 1111 1111 123', '**** **** **** 1111 123'],
    // IBANs (mod-97 valid): country and last four stay
    ['IBAN ES91 2100 0418 4502 0005 1332', 'IBAN ES** **** **** 1332'],
    ['DE89370400440532013000', 'DE** **** **** 3000'],
    ['GB82 WEST 1234 5698 7654 32', 'GB** **** **** 5432'],
    // secrets
    ['token xoxb-1234-5678-abcdef here', 'token [REDACTED] here'],
    ['xoxp-1-2-3-abc', '[REDACTED]'],
    ['xapp-1-A0B-123-abc', '[REDACTED]'],
    ['Authorization: Bearer abc123def456', 'Authorization: Bearer [REDACTED]'],
    ['authorization: basic dXNlcjpwYXNzd29yZDE=', 'authorization: basic [REDACTED]'],
    ['vault hvs.CAESIJ1234567890abcdefghijklmnop ok', 'vault [REDACTED] ok'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'jwt [REDACTED]'],
    ['password=hunter2&next=1', 'password=[REDACTED]&next=1'],
    ['SLACK_SIGNING_SECRET=8f7e6d', 'SLACK_SIGNING_SECRET=[REDACTED]'],
    ['{"password":"hunter2","user":"x"}', '{"password":"[REDACTED]","user":"x"}'],
    ["api_key: 'abc'", "api_key: '[REDACTED]'"],
    // credentials in connection strings
    ['postgres://admin:s3cr3t@db.internal:5432/app', 'postgres://admin:***@db.internal:5432/app'],
    ['redis://:pw@localhost:6379', 'redis://:***@localhost:6379'],
    // a URL user name reads like an email and is masked as one (fail-safe)
    ['postgres://app@db.internal/app', 'postgres://a***@db.internal/app'],
  ])('masks %j', (input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
  });

  it.each([
    'incident INC-42 declared at 2026-11-27T10:00:00Z',
    'due 2026-11-27T10:00:00.123+01:00 (2026-11-27 10:00)',
    'runbook RB-7 step 3/5 for tenant acme-01',
    'release v1.2.3, node 20.11.1, pg 16',
    'thread_ts 1700000000.000100 and epoch 1700000000000',
    'trigger 4567890123456.1234567890.abcdef',
    'user <@U012AB3CD> in <#C0INCIDENTS> @here',
    'host 192.168.100.200 port 8080-8090',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'counts 12 345 and 1 234 567 rows',
    'p99 2000ms, 5xx 1.5%, quota 90%, PT30M, P1',
    'not a card 4111 1111 1111 1112',
    'not an IBAN DE00370400440532013000',
    'sha 9f86d081884c7d659a2feaa0c55ad015',
    'needs a Bearer token and Basic auth',
    'mention xoxb- tokens in docs',
    'user@localhost has no public domain',
    'https://grafana.example.com/d/abc?orgId=1',
    'short 12345',
    '',
  ])('leaves %j alone', (input) => {
    expect(maskPersonalData(input)).toBe(input);
  });

  it('is idempotent on its own output', () => {
    const once = maskPersonalData(
      'j@x.com +34 612 345 678 4111111111111111 ES9121000418450200051332',
    );
    expect(maskPersonalData(once)).toBe(once);
  });
});

describe('maskUrlCredentials', () => {
  it.each([
    ['postgres://user:pass@host', 'postgres://user:***@host'],
    [
      'postgresql://u:p%40ss@db:5432/x?sslmode=require',
      'postgresql://u:***@db:5432/x?sslmode=require',
    ],
    ['rediss://default:secret@cache:6380', 'rediss://default:***@cache:6380'],
    ['postgres://host/db', 'postgres://host/db'],
    ['not a url', 'not a url'],
  ])('masks %j', (input, expected) => {
    expect(maskUrlCredentials(input)).toBe(expected);
  });
});

describe('maskDeep', () => {
  it('masks strings at every level and redacts secret-named keys', () => {
    const input = {
      tenantId: 'acme',
      incident: 'INC-4',
      count: 3,
      ok: true,
      reporter: { email: 'ana@acme.io', phones: ['+34 612 345 678'] },
      config: { botToken: 'xoxb-1', nested: { clientSecret: 'abc', password: 42 } },
      databaseUrl: 'postgres://u:p@db/x',
    };
    expect(maskDeep(input)).toEqual({
      tenantId: 'acme',
      incident: 'INC-4',
      count: 3,
      ok: true,
      reporter: { email: 'a***@acme.io', phones: ['***-**78'] },
      config: {
        botToken: '[REDACTED]',
        nested: { clientSecret: '[REDACTED]', password: '[REDACTED]' },
      },
      databaseUrl: 'postgres://u:***@db/x',
    });
  });

  it('does not mutate its input and returns unchanged subtrees as-is', () => {
    const clean = { tenantId: 'acme', tags: ['p1'] };
    const input = { clean, dirty: { email: 'ana@acme.io' } };
    const out = maskDeep(input) as typeof input;
    expect(input.dirty.email).toBe('ana@acme.io');
    expect(out.clean).toBe(clean);
    expect(maskDeep(clean)).toBe(clean);
  });

  it('leaves non-strings, nulls and dates untouched', () => {
    const when = new Date('2026-11-27T10:00:00Z');
    expect(maskDeep(5551234567)).toBe(5551234567);
    expect(maskDeep(null)).toBeNull();
    expect(maskDeep(undefined)).toBeUndefined();
    expect(maskDeep({ when, token: null })).toEqual({ when, token: null });
  });

  it('survives cycles and caps depth', () => {
    const a: Record<string, unknown> = { email: 'ana@acme.io' };
    a.self = a;
    expect(maskDeep(a)).toEqual({ email: 'a***@acme.io', self: '[Circular]' });
    let deep: Record<string, unknown> = { email: 'ana@acme.io' };
    for (let i = 0; i < 20; i++) deep = { next: deep };
    expect(JSON.stringify(maskDeep(deep))).not.toContain('ana@');
    expect(JSON.stringify(maskDeep(deep))).toContain('[Truncated]');
  });

  it('masks errors while keeping their class, code and cause', () => {
    class DomainError extends Error {
      constructor(
        message: string,
        readonly code: string,
      ) {
        super(message, { cause: new Error('lookup of bob@acme.io failed') });
      }
    }
    const out = maskDeep(new DomainError('no tenant for ana@acme.io', 'not_found')) as DomainError;
    expect(out).toBeInstanceOf(DomainError);
    expect(out.message).toBe('no tenant for a***@acme.io');
    expect(out.stack).not.toContain('ana@');
    expect(out.code).toBe('not_found');
    expect((out.cause as Error).message).toBe('lookup of b***@acme.io failed');
  });

  it('masks values exposed through toJSON', () => {
    const url = new URL('postgres://u:secret@db.internal/app');
    expect(maskDeep({ url })).toEqual({ url: 'postgres://u:***@db.internal/app' });
  });
});
