import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');

/** Runs `npm start`'s entry point exactly as the README does: no services, no env vars, a pipe. */
function runConsole(
  input: string,
  dataDir: string,
): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TENANTOPS_DATA_DIR: dataDir,
    PORT: '0',
  };
  const child = spawn(
    process.execPath,
    [require.resolve('tsx/cli'), path.join(ROOT, 'src/main/start.ts')],
    { cwd: ROOT, env },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
}

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tenantops-console-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('console mode (npm start with no Slack tokens)', () => {
  it('works a P1 for acme end to end from a script and exits when input ends', async () => {
    const script = [
      '/incident declare P1 acme Checkout errors for card payments',
      '/incident ack INC-1',
      '/incident update INC-1 Failing over; customer jane.doe@example.com informed',
      ':as U0DAVE',
      '/incident resolve INC-1 not his tenant',
      ':as U0ALICE',
      '/incident resolve INC-1 Failed over to the secondary provider',
      '/incident status INC-1',
    ].join('\n');
    const { code, out, err } = await runConsole(`${script}\n`, dataDir);
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('channel #inc-1-checkout-errors-for-card-payments created');
    expect(out).toContain('[Acknowledge] [Post update] [Resolve]');
    expect(out).toContain("INC-1 doesn't exist or isn't on a tenant you have a role for");
    const status = out.slice(out.lastIndexOf('/incident status INC-1'));
    expect(status).toContain('resolved');
    for (const entry of [
      'declared as P1 for acme',
      'Acknowledged by',
      'Update: Failing over',
      'Resolved: Failed over',
    ]) {
      expect(status).toContain(entry);
    }
    // What the bot printed (not the echo of what was typed) carries no personal data.
    const botLines = out.split('\n').filter((l) => !/^U0[A-Z]+> /.test(l));
    expect(botLines.join('\n')).toContain('j***@example.com');
    expect(botLines.join('\n')).not.toContain('jane.doe@example.com');
  });

  it('keeps its data in TENANTOPS_DATA_DIR across runs', async () => {
    const { code, out } = await runConsole('/incident list acme\n', dataDir);
    expect(code).toBe(0);
    expect(out).toContain('INC-1');
    expect(out).toContain('Checkout errors for card payments');
  });

  it('stops at start with a message naming a bad config key', async () => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), path.join(ROOT, 'src/main/start.ts')],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, TENANTOPS_DATA_DIR: dataDir, PORT: 'not-a-port' },
      },
    );
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdin.end();
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('PORT');
  });
});
