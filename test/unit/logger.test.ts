import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/adapters/logging/logger';

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

  it('survives circular objects', () => {
    const a: Record<string, unknown> = { email: PERSONAL[0] };
    a.self = a;
    log.info({ a }, 'cyclic');
    expectClean(out.raw());
    expect(out.lines()[0]?.a).toEqual({ email: 'a***@acme.io', self: '[Circular]' });
  });
});
