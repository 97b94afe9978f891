import {
  compileMaskingPattern,
  configureMasking,
  maskDeep,
  maskPersonalData,
  maskUrlCredentials,
  MaskingPatternError,
} from '../../src/domain/masking';
import { hasNestedQuantifier } from '../../src/domain/masking/custom-patterns';

describe('maskPersonalData', () => {
  it.each([
    // emails: first character of the local part and the domain stay
    ['contact john.doe@example.com now', 'contact j***@example.com now'],
    ['first.last+tag@sub.example.co.uk', 'f***@sub.example.co.uk'],
    ['<mailto:bob@acme.io|bob@acme.io>', '<mailto:b***@acme.io|b***@acme.io>'],
    // any script's letters, in the name and in internationalised domains
    ['josé@example.com', 'j***@example.com'],
    ['maría.garcía@empresa.es', 'm***@empresa.es'],
    ['jose\u0301@example.com', 'j***@example.com'], // é as e + combining accent
    ['ñoño@correo.españa.es', 'ñ***@correo.españa.es'],
    ['ana@xn--espaa-rta.es', 'a***@xn--espaa-rta.es'],
    ['иван@почта.рф', 'и***@почта.рф'],
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
    // phones without separators: Spain, 00 prefix, UK national, NANP
    ['llamar al 612345678', 'llamar al ***-**78'],
    ['fijo 912345678.', 'fijo ***-**78.'],
    ['+34612345678', '***-**78'],
    ['tel:+34612345678', 'tel:***-**78'],
    ['0034612345678', '***-**78'],
    ['0034 612 345 678', '***-**78'],
    ['UK 07911123456', 'UK ***-**56'],
    ['US 2025550143', 'US ***-**43'],
    ['{"phone":"612345678"}', '{"phone":"***-**78"}'],
    ['612345678,712345678', '***-**78,***-**78'],
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
    ['ES9121000418450200051332 612345678', 'ES** **** **** 1332 ***-**78'],
    ['ES91 2100 0418 4502 0005 1332 2026', 'ES** **** **** 1332 2026'],
    // Spanish national ids with a valid check character (AEPD's partial form)
    ['DNI 12345678Z', 'DNI ***4567**'],
    ['dni 12345678-z', 'dni ***4567**'],
    ['DNI: 12.345.678-Z.', 'DNI: ***4567**.'],
    ['DNI 00000000T', 'DNI ***0000**'],
    ['NIE X1234567L', 'NIE ****4567*'],
    ['NIE Y-1234567-X', 'NIE ****4567*'],
    ['NIE Z1234567R', 'NIE ****4567*'],
    ['NIF K1234567L', 'NIF ****4567*'],
    ['CIF B12345674', 'CIF ****4567*'],
    ['CIF A28015865', 'CIF ****1586*'],
    ['CIF P1234567D', 'CIF ****4567*'],
    ['CIF Q2826000H', 'CIF ****6000*'],
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
    // IP addresses stay readable: operators block and trace with them
    'blocked 203.0.113.7 and 10.0.0.12:5432',
    'ipv6 2001:db8::8a2e:370:7334 and [::1]:8080',
    // numbers that look like phones or ids but are labelled, measured or part of another token
    'order #612345678 shipped',
    'pedido 612345678 enviado, factura nº 712345678, invoice: 912345678',
    'ticket id 612345678 reopened; ref 712345678',
    'wrote 734003200 bytes, 612345678 rows, 912345678 ns',
    'INC-612345678 and acme-612345678 and job_612345678',
    'GET /v1/tenants/acme/incidents/612345678 404',
    'ratio 0.612345678 and version 1.612345678',
    'nanos 2026-11-27T10:00:00.612345678Z',
    'git 612345678abcdef0 and 0123456789abcdef',
    'epoch 1700000000 and job 1234567890',
    '12.345.678 filas migradas el 27/11/2026',
    // look-alikes of national ids whose check character is wrong
    'lote 12345678A no es un DNI',
    'X1234567A no es un NIE',
    'código B12345670 no es un CIF',
    'pieza A1234567 y 87654321',
    'pod web-7d9f8b6c5-x2x7k restarted',
  ])('leaves %j alone', (input) => {
    expect(maskPersonalData(input)).toBe(input);
  });

  it('is idempotent on its own output', () => {
    const once = maskPersonalData(
      'j@x.com +34 612 345 678 4111111111111111 ES9121000418450200051332 612345678 12345678Z X1234567L B12345674 maría@empresa.es',
    );
    expect(once).not.toMatch(/\d{4}[ -]?\d{4}|612|12345678Z|X123|B123|aría/);
    expect(maskPersonalData(once)).toBe(once);
  });
});

// Texts as they reach the timeline, Slack and the logs: incident updates in Spanish and English,
// free-form notes and log lines. Each leaves its operational details (ids, times, IPs) readable.
const CORPUS: [string, string][] = [
  [
    'Actualización 10:42: la clienta maría.garcía@empresa.es (DNI 12345678Z) no puede pagar; llamarla al 612345678.',
    'Actualización 10:42: la clienta m***@empresa.es (DNI ***4567**) no puede pagar; llamarla al ***-**78.',
  ],
  [
    'Contacto: José Pérez <josé@example.com>, móvil +34612345678, fijo 0034 912 345 678',
    'Contacto: José Pérez <j***@example.com>, móvil ***-**78, fijo ***-**78',
  ],
  [
    'Reclamación de Acme Ibérica S.L. (CIF B12345674) por el pedido 612345678: cobro duplicado',
    'Reclamación de Acme Ibérica S.L. (CIF ****4567*) por el pedido 612345678: cobro duplicado',
  ],
  [
    'El NIE X1234567L aparece en claro en los logs del checkout desde la v2.14.1 (INC-42)',
    'El NIE ****4567* aparece en claro en los logs del checkout desde la v2.14.1 (INC-42)',
  ],
  [
    'Update 14:05 UTC: customer john.doe@example.com called from 07911123456 about INC-42; refunds restored at 2026-11-27T14:00:00Z',
    'Update 14:05 UTC: customer j***@example.com called from ***-**56 about INC-42; refunds restored at 2026-11-27T14:00:00Z',
  ],
  [
    'Escalated to ana@acme.io; if PagerDuty is silent call 2025550143 or +1 (202) 555-0143',
    'Escalated to a***@acme.io; if PagerDuty is silent call ***-**43 or ***-**43',
  ],
  [
    'webhook from josé@example.com phone=612345678 ip=203.0.113.7 thread_ts=1700000000.000100',
    'webhook from j***@example.com phone=***-**78 ip=203.0.113.7 thread_ts=1700000000.000100',
  ],
  [
    'refund failed for order #712345678, card 4111 1111 1111 1111, IBAN ES91 2100 0418 4502 0005 1332',
    'refund failed for order #712345678, card **** **** **** 1111, IBAN ES** **** **** 1332',
  ],
  [
    'Migradas 1 234 567 filas en 2000 ms para el tenant acme-01 (job 1700000000000, uuid 123e4567-e89b-12d3-a456-426614174000)',
    'Migradas 1 234 567 filas en 2000 ms para el tenant acme-01 (job 1700000000000, uuid 123e4567-e89b-12d3-a456-426614174000)',
  ],
];

describe('maskPersonalData on a corpus of incident texts and log lines', () => {
  it.each(CORPUS)('masks %j', (input, expected) => {
    expect(maskPersonalData(input)).toBe(expected);
    expect(maskPersonalData(expected)).toBe(expected);
  });
});

describe('configured masking patterns', () => {
  afterEach(() => configureMasking([]));

  it('masks matches as [name], or with the given replacement', () => {
    configureMasking([
      { name: 'customer-id', regex: String.raw`CUST-\d{6,}` },
      { name: 'ipv4', regex: String.raw`\b\d{1,3}(?:\.\d{1,3}){3}\b`, replacement: '[ip]' },
    ]);
    expect(maskPersonalData('CUST-0012345 from 203.0.113.7 (CUST-12 is too short)')).toBe(
      '[customer-id] from [ip] (CUST-12 is too short)',
    );
    expect(maskPersonalData('CUST-123456')).toBe('[customer-id]');
  });

  it('applies inside maskDeep, next to the built-in rules, and stays idempotent', () => {
    configureMasking([{ name: 'employee', regex: String.raw`\bEMP\d{9}\b` }]);
    const out = maskDeep({ note: 'EMP612345678 called 612345678', who: ['ana@acme.io'] });
    expect(out).toEqual({ note: '[employee] called ***-**78', who: ['a***@acme.io'] });
    expect(maskDeep(out)).toEqual(out);
  });

  it('runs after secret redaction, so a pattern cannot split a token', () => {
    configureMasking([{ name: 'slack', regex: 'xoxb' }]);
    expect(maskPersonalData('token xoxb-1234-5678-abcdef here')).toBe('token [REDACTED] here');
  });

  it('inserts nothing for zero-length matches', () => {
    configureMasking([{ name: 'before-cust', regex: '(?=CUST)' }]);
    expect(maskPersonalData('see CUST-1 now')).toBe('see CUST-1 now');
  });

  it('is replaced as a whole by the next configuration', () => {
    configureMasking([{ name: 'customer-id', regex: String.raw`CUST-\d+` }]);
    configureMasking([]);
    expect(maskPersonalData('CUST-123456')).toBe('CUST-123456');
  });

  it.each([
    ['CUST-(', /not a valid regular expression: .*group/i],
    [String.raw`CUST\-\d+`, /not a valid regular expression/], // the u flag refuses stray escapes
    ['a*', /matches the empty string/],
    ['(?:x)?', /matches the empty string/],
    ['(a+)+$', /repeated group contains a repetition/],
    [String.raw`^(\w*,)*x`, /repeated group contains a repetition/],
  ])('refuses %j', (regex, why) => {
    expect(() => compileMaskingPattern({ name: 'p', regex })).toThrow(MaskingPatternError);
    expect(() => compileMaskingPattern({ name: 'p', regex })).toThrow(why);
  });
});

describe('hasNestedQuantifier', () => {
  it.each(['(a+)+', '(a*)*', String.raw`(\w+\s?)*$`, '((ab)+c){2,}', '(?:x|(y+))+', '(?<n>a+)+'])(
    'flags %j',
    (source) => expect(hasNestedQuantifier(source)).toBe(true),
  );

  it.each([
    String.raw`CUST-\d{6,}`,
    '(?:ab)+',
    '(a|b){2,}',
    '(a+){2,5}',
    '(a+)?',
    String.raw`\(a+\)+`,
    '[(a+)]+',
    String.raw`\p{Lu}{2}-\d+`,
  ])('accepts %j', (source) => expect(hasNestedQuantifier(source)).toBe(false));
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
