import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EMULATOR_TOKEN, SlackEmulator } from '../support/slack-emulator';
import { signedSlashCommand } from '../support/slack-signing';
import {
  DEMO_CONFIG,
  SIGNING_SECRET,
  startStack,
  storageUnderTest,
  type Stack,
} from '../support/stack';

jest.setTimeout(180_000);

describe(`operating the web process (${storageUnderTest()} storage)`, () => {
  let stack: Stack;
  const logLines: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ logLines });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('serves liveness, readiness and Prometheus metrics with per-tenant labels', async () => {
    await (await stack.slash('declare P2 acme Metrics check')).reply();
    expect(await (await fetch(`${stack.url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: 'ok', queue: 'ok' },
    });
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    expect(metrics).toMatch(
      /tenantops_command_duration_seconds_bucket\{[^}]*command="\/incident declare"/,
    );
    expect(metrics).toMatch(
      /tenantops_incidents\{tenant="acme",severity="P2",state="declared"\} 1/,
    );
    expect(metrics).toContain('tenantops_http_requests_total');
  });

  it('answers unknown paths with a JSON 404', async () => {
    const res = await fetch(`${stack.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: 'not_found' });
  });

  it('writes no secrets or personal data into its logs', async () => {
    await (
      await stack.slash(
        'update INC-1 call jane.doe@example.com or +34 612 345 678, card 4111 1111 1111 1111',
      )
    ).reply();
    const forged = await stack.slash('status INC-1', { sign: { corruptSignature: true } });
    expect(forged.status).toBe(401);
    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const secret of [
      SIGNING_SECRET,
      EMULATOR_TOKEN,
      'jane.doe@example.com',
      '612 345 678',
      '4111 1111 1111 1111',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM finishes the command in flight, then exits 0', async () => {
    const emulator = new SlackEmulator({ tokens: [EMULATOR_TOKEN], rateLimit: false });
    const apiUrl = await emulator.start();
    const dir = await mkdtemp(path.join(tmpdir(), 'tenantops-sigterm-'));
    await writeFile(path.join(dir, 'tenantops.yaml'), DEMO_CONFIG);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), path.resolve(__dirname, '../../src/main/start.ts')],
      {
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          TENANTOPS_CONFIG: path.join(dir, 'tenantops.yaml'),
          TENANTOPS_DATA_DIR: path.join(dir, 'data'),
          SLACK_BOT_TOKEN: EMULATOR_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: apiUrl,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: tsx runs the app in a grandchild, which the cleanup kills too.
        detached: true,
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    try {
      await waitForReady(`http://127.0.0.1:${port}/readyz`);
      // What counts is what shutdown prints: a readiness probe that timed out while a loaded
      // machine was still starting the app logs a warning, which is not this test's business.
      output = '';
      // Slack is slow: the declare is still creating its channel when SIGTERM arrives.
      emulator.failNext('conversations.create', { status: 503, count: 1 });
      const res = await signedSlashCommand(
        `http://127.0.0.1:${port}/slack/events`,
        SIGNING_SECRET,
        {
          command: '/incident',
          text: 'declare P1 acme Shutdown in flight',
          user_id: 'U0ALICE',
          channel_id: 'C0GENERAL',
          response_url: emulator.responseUrl('sigterm'),
        },
      );
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.on('exit', resolve));
      expect({ code, output }).toEqual({ code: 0, output: '' });
      expect(JSON.stringify(emulator.responsesTo('sigterm')[0]?.body)).toContain(
        'Declared *INC-1*',
      );
    } finally {
      try {
        if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      child.stdout.destroy();
      child.stderr.destroy();
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Polls until ready; the deadline is generous (tsx compiling under load takes a while). */
async function waitForReady(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never became ready`);
}
