import { connect } from 'node:net';
import createVault from 'node-vault';
import { VaultEmulator } from '../support/vault-emulator';

jest.setTimeout(30_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Vault's JSON, probed freely
type Json = Record<string, any>;

let vault: VaultEmulator;

beforeEach(async () => {
  vault = await VaultEmulator.start();
});

afterEach(async () => {
  await vault.stop();
});

function client(token = vault.rootToken) {
  return createVault({ endpoint: vault.url, token, noCustomHTTPVerbs: true });
}

async function raw(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${vault.url}/v1/${path}`, {
    method,
    headers: opts.token ? { 'X-Vault-Token': opts.token } : {},
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Json) : undefined };
}

async function rejection(p: Promise<unknown>): Promise<Json> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as Json,
  );
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('Vault emulator: transit keys', () => {
  it('creates a key and reads it back with version 1 created now, in Unix seconds', async () => {
    const before = Math.floor(Date.now() / 1000);
    await client().write('transit/keys/tenant-acme', { type: 'aes256-gcm96' });
    const { data } = await client().read('transit/keys/tenant-acme');
    expect(data).toMatchObject({
      name: 'tenant-acme',
      type: 'aes256-gcm96',
      latest_version: 1,
      min_decryption_version: 1,
      min_encryption_version: 0,
      supports_encryption: true,
    });
    expect(Object.keys(data.keys)).toEqual(['1']);
    expect(Number.isInteger(data.keys['1'])).toBe(true);
    expect(data.keys['1']).toBeGreaterThanOrEqual(before);
    expect(data.keys['1']).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('answers a second create with the same key and a warning, not a new version', async () => {
    await client().write('transit/keys/k1', {});
    const again = await client().write('transit/keys/k1', {});
    expect(again.warnings).toEqual(['key k1 already existed']);
    expect(again.data.latest_version).toBe(1);
  });

  it('answers 404 with an empty error list for a key that does not exist', async () => {
    expect(await raw('GET', 'transit/keys/nope', { token: vault.rootToken })).toEqual({
      status: 404,
      body: { errors: [] },
    });
  });

  it('rotates: latest_version moves and every version keeps its creation time', async () => {
    vault.createKey('k1', { createdAt: new Date('2024-01-01T00:00:00Z') });
    await client().write('transit/keys/k1/rotate', {});
    const { data } = await client().read('transit/keys/k1');
    expect(data.latest_version).toBe(2);
    expect(data.keys['1']).toBe(Date.parse('2024-01-01T00:00:00Z') / 1000);
    expect(data.keys['2']).toBeGreaterThan(data.keys['1']);
    const missing = await rejection(client().write('transit/keys/ghost/rotate', {}));
    expect(missing.response).toEqual({ statusCode: 400, body: { errors: ['key not found'] } });
  });

  it('shows asymmetric keys versions as objects with an RFC 3339 creation_time', async () => {
    await raw('POST', 'transit/keys/signer', { token: vault.rootToken, body: { type: 'ed25519' } });
    vault.backdateVersion('signer', 1, new Date('2024-06-01T12:00:00.5Z'));
    const { body } = await raw('GET', 'transit/keys/signer', { token: vault.rootToken });
    expect(body?.data.keys['1']).toEqual({
      name: 'ed25519',
      public_key: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
      certificate_chain: '',
      creation_time: '2024-06-01T12:00:00.5Z',
    });
    expect(body?.data.supports_encryption).toBe(false);
  });

  it('encrypts with the latest version and refuses to decrypt below min_decryption_version', async () => {
    const v = client();
    await v.write('transit/keys/k1', {});
    const c1 = (await v.encryptData({ name: 'k1', plaintext: b64('card 4111') })).data;
    expect(c1).toEqual({ ciphertext: expect.stringMatching(/^vault:v1:/), key_version: 1 });
    await v.write('transit/keys/k1/rotate', {});
    const c2 = (await v.encryptData({ name: 'k1', plaintext: b64('second') })).data.ciphertext;
    expect(c2).toMatch(/^vault:v2:/);
    const plain = (await v.decryptData({ name: 'k1', ciphertext: c1.ciphertext })).data.plaintext;
    expect(Buffer.from(plain, 'base64').toString()).toBe('card 4111');

    await v.write('transit/keys/k1/config', { min_decryption_version: 2 });
    const tooOld = await rejection(v.decryptData({ name: 'k1', ciphertext: c1.ciphertext }));
    expect(tooOld.response).toEqual({
      statusCode: 400,
      body: { errors: ['ciphertext or signature version is disallowed by policy (too old)'] },
    });
    // Archived versions leave the key's `keys` map; lowering the floor brings them back.
    expect(Object.keys((await v.read('transit/keys/k1')).data.keys)).toEqual(['2']);
    await v.write('transit/keys/k1/config', { min_decryption_version: 1 });
    const again = (await v.decryptData({ name: 'k1', ciphertext: c1.ciphertext })).data;
    expect(Buffer.from(again.plaintext, 'base64').toString()).toBe('card 4111');
  });

  it('validates key config and ciphertexts as Vault does', async () => {
    const v = client();
    await v.write('transit/keys/k1', {});
    const tooHigh = await rejection(
      v.write('transit/keys/k1/config', { min_decryption_version: 5 }),
    );
    expect(tooHigh.message).toBe('cannot set min decryption version of 5, latest key version is 1');
    const noKey = await rejection(v.write('transit/keys/zz/config', { min_decryption_version: 1 }));
    expect(noKey.message).toBe('no existing key named zz could be found');
    const c1 = (await v.encryptData({ name: 'k1', plaintext: b64('x') })).data.ciphertext as string;
    const tampered = `${c1.slice(0, -4)}AAA=`;
    expect((await rejection(v.decryptData({ name: 'k1', ciphertext: tampered }))).message).toBe(
      'cipher: message authentication failed',
    );
    const future = c1.replace('vault:v1:', 'vault:v9:');
    expect((await rejection(v.decryptData({ name: 'k1', ciphertext: future }))).message).toBe(
      'invalid ciphertext: version is too new',
    );
  });

  it('lists keys with GET ?list=1, the form node-vault sends with noCustomHTTPVerbs', async () => {
    vault.createKey('b-key');
    vault.createKey('a-key');
    expect((await client().list('transit/keys')).data.keys).toEqual(['a-key', 'b-key']);
  });

  it("is refused the LIST verb by Node's HTTP parser, which is why noCustomHTTPVerbs is needed", async () => {
    const port = Number(new URL(vault.url).port);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`LIST /v1/transit/keys HTTP/1.1\r\nHost: x\r\nX-Vault-Token: t\r\n\r\n`);
      });
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
  });

  it('answers an unknown mount with 404 "no handler for route"', async () => {
    const err = await rejection(client().read('nowhere/keys/k1'));
    expect(err.response.statusCode).toBe(404);
    expect(err.message).toBe('no handler for route "nowhere/keys/k1". route entry not found.');
  });
});

describe('Vault emulator: sys/health', () => {
  it('answers 200 when active, 429 for a standby unless standbyok', async () => {
    expect((await raw('GET', 'sys/health')).status).toBe(200);
    vault.setStandby(true);
    const standby = await raw('GET', 'sys/health');
    expect(standby).toMatchObject({ status: 429, body: { standby: true, sealed: false } });
    expect((await raw('GET', 'sys/health?standbyok=true')).status).toBe(200);
  });

  it("answers 503 sealed: true when sealed, and node-vault's health() resolves that body", async () => {
    vault.seal();
    expect(await raw('GET', 'sys/health')).toMatchObject({
      status: 503,
      body: { sealed: true, initialized: true },
    });
    expect(await client().health()).toMatchObject({ sealed: true });
    const other = await rejection(client().read('transit/keys/k1'));
    expect(other.response).toEqual({ statusCode: 503, body: { errors: ['Vault is sealed'] } });
    vault.unseal();
    expect(await client().health()).toMatchObject({ sealed: false });
  });

  it('answers 501 when not initialized, and HEAD without a body', async () => {
    vault.setInitialized(false);
    expect(await raw('GET', 'sys/health')).toMatchObject({
      status: 501,
      body: { initialized: false, sealed: true },
    });
    expect(await raw('HEAD', 'sys/health')).toEqual({ status: 501, body: undefined });
  });
});

describe('Vault emulator: tokens and policies', () => {
  it('refuses a missing token and an unknown one with 403', async () => {
    expect(await raw('GET', 'transit/keys/k1')).toEqual({
      status: 403,
      body: { errors: ['permission denied'] },
    });
    expect(await raw('GET', 'transit/keys/k1', { token: 'hvs.nobody' })).toEqual({
      status: 403,
      body: { errors: ['permission denied', 'invalid token'] },
    });
  });

  it('looks a token up, renews it, and forgets it once its TTL has passed', async () => {
    const token = vault.createToken({ ttlSeconds: 60, renewable: true });
    const v = client(token);
    const looked = (await v.tokenLookupSelf()).data;
    // Vault truncates the seconds left, so a token a few ms old shows 59.
    expect(looked.ttl).toBeGreaterThanOrEqual(59);
    expect(looked).toMatchObject({
      renewable: true,
      creation_ttl: 60,
      policies: ['default'],
    });
    vault.advanceClock(50_000);
    expect([9, 10]).toContain((await v.tokenLookupSelf()).data.ttl);
    const renewed = await v.tokenRenewSelf({ increment: '2m' });
    expect(renewed.auth).toMatchObject({
      client_token: token,
      lease_duration: 120,
      renewable: true,
    });
    vault.advanceClock(121_000);
    const gone = await rejection(v.tokenLookupSelf());
    expect(gone.response.body).toEqual({ errors: ['permission denied', 'invalid token'] });
    // An expired token is revoked: renewing it is too late.
    expect((await rejection(v.tokenRenewSelf())).response.statusCode).toBe(403);
  });

  it('refuses to renew a non-renewable token and caps renewals at the max TTL', async () => {
    const fixed = vault.createToken({ ttlSeconds: 60, renewable: false });
    const err = await rejection(client(fixed).tokenRenewSelf());
    expect(err.response).toEqual({ statusCode: 400, body: { errors: ['lease is not renewable'] } });
    const capped = vault.createToken({ ttlSeconds: 60, explicitMaxTtlSeconds: 90 });
    vault.advanceClock(40_000);
    const res = await client(capped).tokenRenewSelf();
    expect([49, 50]).toContain(res.auth.lease_duration);
    expect(res.warnings[0]).toMatch(/exceeded the effective max_ttl/);
  });

  it('enforces policies per path and capability; writes to a missing key need create', async () => {
    vault.writePolicy('reader', [{ path: 'transit/keys/tenant-*', capabilities: ['read'] }]);
    vault.writePolicy('encrypter', [{ path: 'transit/encrypt/*', capabilities: ['update'] }]);
    vault.createKey('tenant-acme');
    const token = vault.createToken({ policies: ['default', 'reader', 'encrypter'] });
    const v = client(token);
    expect((await v.read('transit/keys/tenant-acme')).data.latest_version).toBe(1);
    const rotate = await rejection(v.write('transit/keys/tenant-acme/rotate', {}));
    expect(rotate.response).toEqual({
      statusCode: 403,
      body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
    });
    expect((await rejection(v.read('transit/keys/other'))).response.statusCode).toBe(403);
    expect(
      (await v.encryptData({ name: 'tenant-acme', plaintext: b64('x') })).data.key_version,
    ).toBe(1);
    const upsert = await rejection(v.encryptData({ name: 'fresh', plaintext: b64('x') }));
    expect(upsert.response.statusCode).toBe(403);
    expect(vault.key('fresh')).toBeUndefined();
  });
});

describe('Vault emulator: faults', () => {
  it('answers injected 5xx for the given number of requests', async () => {
    vault.createKey('k1');
    vault.fail({ status: 500, times: 1, path: /^transit\// });
    const err = await rejection(client().read('transit/keys/k1'));
    expect(err.response).toEqual({
      statusCode: 500,
      body: { errors: ['1 error occurred:\n\t* internal error\n\n'] },
    });
    expect((await client().read('transit/keys/k1')).data.latest_version).toBe(1);
  });

  it("answers a proxy's HTML error page when given a raw body", async () => {
    vault.fail({ status: 502, body: '<html>Bad Gateway</html>' });
    const err = await rejection(client().read('transit/keys/k1'));
    expect(err.response.statusCode).toBe(502);
    expect(err.message).toBe('Status 502');
  });

  it('drops connections without answering, and refuses them once stopped', async () => {
    vault.fail({ status: 'drop' });
    const dropped = await rejection(client().read('transit/keys/k1'));
    expect(dropped.response).toBeUndefined();
    expect(dropped.code).toBe('ECONNRESET');
    expect(vault.count('transit/keys/k1', 'dropped')).toBe(1);
    vault.clearFailures();
    await vault.stop();
    const refused = await rejection(client().read('transit/keys/k1'));
    expect(refused.code).toBe('ECONNREFUSED');
    vault = await VaultEmulator.start();
  });
});
