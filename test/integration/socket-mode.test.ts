import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/adapters/logging/logger';
import { startRuntime, type Runtime } from '../../src/main/runtime';
import { EMULATOR_TOKEN, SlackEmulator } from '../support/slack-emulator';
import { SocketModeEmulator } from '../support/slack-socket-mode';
import { DEMO_CONFIG, storageUnderTest } from '../support/stack';

jest.setTimeout(60_000);

const APP_TOKEN = 'xapp-1-A0TENANTOPS-test';

describe(`Socket Mode (${storageUnderTest()} storage)`, () => {
  let emulator: SlackEmulator;
  let socket: SocketModeEmulator;
  let runtime: Runtime | undefined;
  let dir: string;

  beforeAll(async () => {
    emulator = new SlackEmulator({ tokens: [EMULATOR_TOKEN, APP_TOKEN], rateLimit: false });
    const apiUrl = await emulator.start();
    socket = new SocketModeEmulator(emulator, APP_TOKEN);
    await socket.start();
    dir = await mkdtemp(path.join(tmpdir(), 'tenantops-socket-'));
    await writeFile(path.join(dir, 'tenantops.yaml'), DEMO_CONFIG);
    const config = loadConfig(
      {
        PORT: '0',
        TENANTOPS_CONFIG: path.join(dir, 'tenantops.yaml'),
        TENANTOPS_DATA_DIR: path.join(dir, 'data'),
        SLACK_BOT_TOKEN: EMULATOR_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: apiUrl,
        DATABASE_URL: process.env.TEST_DATABASE_URL,
        REDIS_URL: process.env.TEST_REDIS_URL,
      },
      dir,
    );
    expect(config.slackMode).toBe('socket');
    runtime = await startRuntime(config, {
      web: true,
      worker: true,
      migrate: true,
      schema: process.env.TEST_DATABASE_URL ? `t_socket_${process.pid}` : undefined,
      queuePrefix: `qsock${process.pid}`,
      logger: createLogger({ level: 'silent' }),
    });
    await socket.ready;
  });

  afterAll(async () => {
    await runtime?.stop();
    await socket?.stop();
    await emulator?.stop();
    if (process.env.TEST_DATABASE_URL) {
      const { dropSchema } = await import('../support/stack');
      await dropSchema(process.env.TEST_DATABASE_URL, `t_socket_${process.pid}`);
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('receives a slash command over the socket, acknowledges it, and declares the incident', async () => {
    const ack = await socket.slashCommand({
      command: '/incident',
      text: 'declare P1 acme Over the socket',
      user_id: 'U0ALICE',
      channel_id: 'C0GENERAL',
      team_id: emulator.identity.teamId,
      response_url: emulator.responseUrl('sock'),
      trigger_id: 'trig-sock',
    });
    expect(ack.envelope_id).toBeTruthy();
    const created = await emulator.waitForCall('conversations.create', undefined, 10_000);
    expect(created.args.name).toBe('inc-1-over-the-socket');
    await emulator.waitFor(() => emulator.responsesTo('sock')[0], 5000);
    expect(JSON.stringify(emulator.responsesTo('sock')[0]?.body)).toContain('Declared *INC-1*');
  });
});
