import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from '../../src/adapters/postgres/embedded-postgres';
import { HttpServer } from '../../src/adapters/http/http-server';
import { Metrics } from '../../src/adapters/http/metrics';
import { KNOWN_COMMANDS } from '../../src/main/instrument-bolt';
import { coreRoutes } from '../../src/main/web-routes';
import { eventually } from '../support/alert-helpers';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';

jest.setTimeout(90_000);

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

// The database sits behind a proxy the test can cut: real Postgres, or an embedded one.
let stack: Stack;
let proxy: TcpProxy;
let embedded: EmbeddedPostgres | undefined;
let dir: string;
const logLines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantops-metrics-'));
  let target = process.env.TEST_DATABASE_URL;
  if (!target) {
    embedded = await startEmbeddedPostgres({ dataDir: dir });
    target = embedded.connectionString;
  }
  const url = new URL(target);
  proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
  url.port = String(await proxy.start());
  stack = await startStack({
    env: { DATABASE_URL: url.toString(), METRICS_TOKEN },
    logLines,
  });
});

afterAll(async () => {
  proxy?.restore();
  await stack?.stop();
  await proxy?.stop();
  await embedded?.stop();
  await rm(dir, { recursive: true, force: true });
});

const metrics = (authorization?: string) =>
  fetch(`${stack.url}/metrics`, authorization ? { headers: { authorization } } : {});

/** The `command` label values of tenantops_command_duration_seconds, with their counts. */
async function commandSeries(): Promise<Map<string, number>> {
  const text = await (await metrics(`Bearer ${METRICS_TOKEN}`)).text();
  const series = new Map<string, number>();
  for (const m of text.matchAll(/^tenantops_command_duration_seconds_count\{([^}]*)\} (\d+)$/gm)) {
    const command = /command="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? '';
    series.set(command, (series.get(command) ?? 0) + Number(m[2]));
  }
  return series;
}

describe(`/metrics with METRICS_TOKEN set (${storageUnderTest()} storage)`, () => {
  it('answers 401 with a JSON error without the bearer token or with a wrong one', async () => {
    for (const authorization of [
      undefined,
      'Bearer metrics-token-0123456789abcdeX',
      `Basic ${METRICS_TOKEN}`,
      METRICS_TOKEN,
    ]) {
      const res = await metrics(authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.json()).toEqual({
        error: 'unauthorized',
        message: 'A valid Authorization: Bearer <METRICS_TOKEN> header is required.',
      });
    }
  });

  it('serves the metrics with the token', async () => {
    const res = await metrics(`Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('tenantops_http_requests_total');
  });

  it('keeps the command label to the known subcommands, whatever users type', async () => {
    const typed = Array.from({ length: 30 }, (_, i) => `x${i}-${Math.random().toString(36)}`);
    for (const sub of typed) await (await stack.slash(`${sub} INC-1`)).reply();
    await (await stack.slash('ACK INC-99')).reply();
    await (await stack.slash('list acme', { command: '/tenant' })).reply();
    await (await stack.slash('nonsense', { command: '/tenant' })).reply();
    const series = await eventually(async () => {
      const s = await commandSeries();
      return (s.get('/incident other') ?? 0) >= typed.length && s.has('/tenant other') ? s : null;
    });
    const allowed = new Set([
      'other',
      'unknown',
      ...Object.entries(KNOWN_COMMANDS).flatMap(([command, subs]) => [
        command,
        `${command} other`,
        ...subs.map((s) => `${command} ${s}`),
      ]),
    ]);
    expect([...series.keys()].filter((label) => !allowed.has(label))).toEqual([]);
    expect(series.get('/incident other')).toBe(typed.length);
    expect(series.get('/incident ack')).toBe(1);
    expect(series.get('/tenant list')).toBe(1);
    const text = await (await metrics(`Bearer ${METRICS_TOKEN}`)).text();
    for (const sub of typed) expect(text).not.toContain(sub);
  });
});

describe(`/readyz (${storageUnderTest()} storage)`, () => {
  it('answers 503 naming the unreachable check without connection details, which go to the log', async () => {
    const before = await fetch(`${stack.url}/readyz`);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({
      status: 'ready',
      checks: { database: 'ok', queue: 'ok' },
    });
    proxy.cut();
    const res = await fetch(`${stack.url}/readyz`);
    const text = await res.text();
    expect(res.status).toBe(503);
    const body = JSON.parse(text) as { status: string; checks: Record<string, string> };
    expect(body).toMatchObject({ status: 'not_ready', checks: { database: 'unreachable' } });
    for (const state of Object.values(body.checks)) expect(['ok', 'unreachable']).toContain(state);
    for (const detail of ['127.0.0.1', 'localhost', 'ECONN', 'postgres', 'timeout', 'error']) {
      expect(text.toLowerCase()).not.toContain(detail.toLowerCase());
    }
    // Logged before the answer was sent.
    const logged = logLines.find(
      (l) => l.includes('readiness check failed') && l.includes('"check":"database"'),
    );
    expect(logged).toContain('"err"');
    proxy.restore();
    await eventually(async () => (await fetch(`${stack.url}/readyz`)).status === 200);
  });
});

describe('/metrics with METRICS_TOKEN unset', () => {
  it('is open (keep the port internal)', async () => {
    const server = new HttpServer(
      coreRoutes({ metrics: new Metrics(), readiness: [], log: { warn: () => undefined } }),
      new Metrics(),
      () => undefined,
    );
    const port = await server.listen(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('tenantops_command_duration_seconds');
    } finally {
      await server.close();
    }
  });
});
