import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/adapters/logging/logger';
import { configureMasking } from '../../src/domain/masking';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON lines, probed freely
type Line = Record<string, any>;

function sink(): { stream: Writable; raw: () => string; lines: () => Line[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const raw = (): string => chunks.join('');
  const lines = (): Line[] =>
    raw()
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Line);
  return { stream, raw, lines };
}

const SECRETS = [
  'xoxb-1111-2222-abcdef',
  'xapp-1-A0B-333-xyz',
  'sign1ngs3cret',
  'hunter2',
  'hvs.CAESIJ1234567890abcdefghijklmnop',
  'abc123def456',
  'v0=deadbeef',
  's3cr3tpw',
];
const PERSONAL = ['ana@acme.io', 'bob@acme.io', '612 345 678', '123-4567', '4111 1111 1111 1111'];

function expectClean(output: string): void {
  for (const s of [...SECRETS, ...PERSONAL]) expect(output).not.toContain(s);
}

describe('createLogger', () => {
  let out: ReturnType<typeof sink>;
  let log: Logger;

  beforeEach(() => {
    out = sink();
    log = createLogger({ level: 'debug', destination: out.stream, base: { service: 'web' } });
  });
  afterEach(() => configureMasking([]));

  it('redacts secret fields and auth headers at any depth', () => {
    log.info(
      {
        token: SECRETS[0],
        config: {
          appToken: SECRETS[1],
          signingSecret: SECRETS[2],
          vault: { vaultToken: SECRETS[4] },
          targetDatabaseUrl: `postgres://ops:${SECRETS[7]}@target.internal/saas`,
        },
        user: { password: SECRETS[3] },
        req: { method: 'POST', headers: { authorization: `Bearer ${SECRETS[5]}` } },
        headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-slack-signature': SECRETS[6] },
        res: { headers: { 'x-slack-signature': SECRETS[6] } },
        databaseUrl: `postgres://app:${SECRETS[7]}@db.internal:5432/tenantops`,
      },
      'request received',
    );
    expectClean(out.raw());
    const [line] = out.lines();
    expect(line?.token).toBe('[REDACTED]');
    expect(line?.config.vault.vaultToken).toBe('[REDACTED]');
    expect(line?.req.headers.authorization).toBe('[REDACTED]');
    expect(line?.headers['x-slack-signature']).toBe('[REDACTED]');
    expect(line?.req.method).toBe('POST');
    expect(line?.databaseUrl).toBe('postgres://app:***@db.internal:5432/tenantops');
    expect(line?.config.targetDatabaseUrl).toBe('postgres://ops:***@target.internal/saas');
  });

  it('masks personal data in fields while keeping operational fields readable', () => {
    const payload = {
      tenantId: 'acme',
      incident: 'INC-42',
      requestId: 'req-7f3a',
      at: '2026-11-27T10:00:00Z',
      thread: '1700000000.000100',
      reporter: { email: PERSONAL[0], phone: `+34 ${PERSONAL[2]}` },
      notes: [`card ${PERSONAL[4]}`, `call (555) ${PERSONAL[3]}`],
    };
    log.warn(payload, 'customer contact');
    expectClean(out.raw());
    const [line] = out.lines();
    expect(line).toMatchObject({
      tenantId: 'acme',
      incident: 'INC-42',
      requestId: 'req-7f3a',
      at: '2026-11-27T10:00:00Z',
      thread: '1700000000.000100',
      service: 'web',
      msg: 'customer contact',
      reporter: { email: 'a***@acme.io', phone: '***-**78' },
      notes: ['card **** **** **** 1111', 'call ***-**67'],
    });
    expect(payload.reporter.email).toBe(PERSONAL[0]);
  });

  it('masks the message string and its interpolation arguments', () => {
    log.info({ incident: 'INC-4' }, `paged ${PERSONAL[0]} with token ${SECRETS[0]}`);
    log.info('escalated to %s at %s', PERSONAL[1], '+34 612 345 678');
    expectClean(out.raw());
    const [first, second] = out.lines();
    expect(first?.msg).toBe('paged a***@acme.io with token [REDACTED]');
    expect(first?.incident).toBe('INC-4');
    expect(second?.msg).toBe('escalated to b***@acme.io at ***-**78');
  });

  it('keeps redaction and masking in child and grandchild loggers', () => {
    const child = log.child({ tenantId: 'acme', incident: 'INC-9', requester: PERSONAL[0] });
    const grandchild = child.child({ requestId: 'req-1', botToken: SECRETS[0] });
    grandchild.info({ contact: PERSONAL[1], password: SECRETS[3] }, `ack by ${PERSONAL[1]}`);
    child.setBindings({ phone: `+34 ${PERSONAL[2]}` });
    child.info('after rebinding');
    expectClean(out.raw());
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      tenantId: 'acme',
      incident: 'INC-9',
      requestId: 'req-1',
      requester: 'a***@acme.io',
      botToken: '[REDACTED]',
      contact: 'b***@acme.io',
      password: '[REDACTED]',
      msg: 'ack by b***@acme.io',
    });
    expect(second).toMatchObject({ tenantId: 'acme', phone: '***-**78', msg: 'after rebinding' });
  });

  it('masks error messages and stacks but keeps the error type and code', () => {
    const err = Object.assign(new TypeError(`no tenant for ${PERSONAL[0]}`), { code: 'E_TENANT' });
    log.error(err);
    log.error({ err, tenantId: 'acme' }, 'lookup failed');
    log.error({ err });
    log.error({ err: { message: `upstream rejected ${PERSONAL[1]}` } });
    expectClean(out.raw());
    const [bare, withMsg, noMsg, plainErr] = out.lines();
    expect(bare?.msg).toBe('no tenant for a***@acme.io');
    expect(bare?.err).toMatchObject({ type: 'TypeError', code: 'E_TENANT' });
    expect(bare?.err.stack).toContain('no tenant for a***@acme.io');
    expect(withMsg).toMatchObject({ tenantId: 'acme', msg: 'lookup failed' });
    expect(withMsg?.err.message).toBe('no tenant for a***@acme.io');
    expect(noMsg?.msg).toBe('no tenant for a***@acme.io');
    expect(plainErr?.msg).toBe('upstream rejected b***@acme.io');
  });

  it('masks the base bindings and respects the level', () => {
    const quiet = sink();
    const info = createLogger({
      level: 'info',
      destination: quiet.stream,
      base: { owner: PERSONAL[0] },
    });
    info.debug('hidden');
    info.info('shown');
    expect(quiet.lines()).toEqual([
      expect.objectContaining({ owner: 'a***@acme.io', msg: 'shown' }),
    ]);
  });

  it('masks non-ASCII emails, Spanish ids and phones without separators', () => {
    log.info(
      { reporter: 'maría.garcía@empresa.es', dni: '12345678Z', phone: '612345678' },
      'NIE X1234567L de josé@example.com, llamar al +34612345678 o al 0034612345678',
    );
    const raw = out.raw();
    for (const s of ['garcía@', 'josé@', '12345678Z', 'X1234567L', '612345678']) {
      expect(raw).not.toContain(s);
    }
    expect(out.lines()[0]).toMatchObject({
      reporter: 'm***@empresa.es',
      dni: '***4567**',
      phone: '***-**78',
      msg: 'NIE ****4567* de j***@example.com, llamar al ***-**78 o al ***-**78',
    });
  });

  it('masks the configured patterns in messages, arguments, fields, bindings and errors', () => {
    configureMasking([{ name: 'customer-id', regex: String.raw`CUST-\d{6,}` }]);
    const child = log.child({ customer: 'CUST-0000001' });
    child.info({ note: 'refund for CUST-0000002' }, 'refund %s', 'CUST-0000003');
    child.error(new Error('CUST-0000004 not found'));
    expect(out.raw()).not.toMatch(/CUST-\d/);
    const [info, error] = out.lines();
    expect(info).toMatchObject({
      customer: '[customer-id]',
      note: 'refund for [customer-id]',
      msg: 'refund [customer-id]',
    });
    expect(error?.msg).toBe('[customer-id] not found');
    expect(error?.err.stack).toContain('[customer-id] not found');
  });

  it('keeps IP addresses readable unless a deployment adds a pattern for them', () => {
    const line = (): void =>
      log.warn({ ip: '203.0.113.7', v6: '2001:db8::8a2e:370:7334' }, 'blocked 203.0.113.7');
    line();
    configureMasking([
      {
        name: 'ip',
        regex: String.raw`\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}`,
      },
    ]);
    line();
    const [readable, masked] = out.lines();
    expect(readable).toMatchObject({
      ip: '203.0.113.7',
      v6: '2001:db8::8a2e:370:7334',
      msg: 'blocked 203.0.113.7',
    });
    expect(masked).toMatchObject({ ip: '[ip]', v6: '[ip]', msg: 'blocked [ip]' });
  });

  it('survives circular objects', () => {
    const a: Record<string, unknown> = { email: PERSONAL[0] };
    a.self = a;
    log.info({ a }, 'cyclic');
    expectClean(out.raw());
    expect(out.lines()[0]?.a).toEqual({ email: 'a***@acme.io', self: '[Circular]' });
  });
});
