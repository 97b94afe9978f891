import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/adapters/postgres/embedded-postgres';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(60_000);

// The database sits behind a proxy the test can cut: real Postgres, or an embedded one.
let stack: Stack;
let proxy: TcpProxy;
let embedded: EmbeddedPostgres | undefined;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantops-outage-'));
  let target = process.env.TEST_DATABASE_URL;
  if (!target) {
    embedded = await startEmbeddedPostgres({ dataDir: dir });
    target = embedded.connectionString;
  }
  const url = new URL(target);
  proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
  url.port = String(await proxy.start());
  stack = await startStack({ env: { DATABASE_URL: url.toString() } });
});

afterAll(async () => {
  await stack?.stop();
  await proxy?.stop();
  await embedded?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe(`database outage (${storageUnderTest()} storage)`, () => {
  it('answers "temporarily unavailable" within Slack\'s limit, reports not ready, and recovers', async () => {
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
    proxy.cut();
    // Slack's 3 s limit is on the ack (the 200 here); the reply comes from the outage path
    // (how fast is a matter of load, so not timed here).
    const res = await stack.slash('declare P1 acme Database is down');
    expect(res.status).toBe(200);
    const reply = await res.reply(30_000);
    expect(reply).toContain('temporarily unavailable');
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('database');
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);

    proxy.restore();
    const again = await stack.slash('declare P1 acme Database is back');
    expect(await again.reply(30_000)).toMatch(/Declared \*INC-\d+\*/);
    expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
  });
});
