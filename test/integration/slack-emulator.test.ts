import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi } from '@slack/bolt';
import { EMULATOR_TOKEN, SlackEmulator } from '../support/slack-emulator';
import { signedSlashCommand } from '../support/slack-signing';

const { WebClient, ErrorCode } = webApi;
// Slack's `[ERROR]` response_metadata messages are logged even at ERROR level; mute them.
const silent: webApi.Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => webApi.LogLevel.ERROR,
  setName: () => undefined,
};
const quiet = { logger: silent };
const header = (text: string) => ({ type: 'header', text: { type: 'plain_text', text } });

describe('SlackEmulator with the real @slack/web-api WebClient', () => {
  let clock = 1_700_000_000_000;
  const emulator = new SlackEmulator({ now: () => clock });
  let slackApiUrl = '';

  const client = (token = EMULATOR_TOKEN, retries = 0) =>
    new WebClient(token, {
      ...quiet,
      slackApiUrl,
      rejectRateLimitedCalls: true,
      retryConfig: { retries, factor: 1, minTimeout: 5, maxTimeout: 5 },
    });

  beforeAll(async () => {
    slackApiUrl = await emulator.start();
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    emulator.reset();
    clock += 60_000;
  });

  it('posts a message, recording the form-encoded call with blocks decoded', async () => {
    const blocks = [header('INC-1 Checkout down')];
    const res = await client().chat.postMessage({ channel: 'C0GENERAL', text: 'INC-1', blocks });

    expect(res).toMatchObject({ ok: true, channel: 'C0GENERAL', message: { text: 'INC-1' } });
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    const [call] = emulator.callsTo('chat.postMessage');
    expect(call).toMatchObject({ token: EMULATOR_TOKEN, status: 200, args: { blocks } });
    expect(call?.contentType).toBe('application/x-www-form-urlencoded');
    expect(emulator.messagesIn('#general')).toEqual([
      expect.objectContaining({ ts: res.ts, text: 'INC-1', blocks }),
    ]);
  });

  it('answers 429 with Retry-After once a channel exceeds its burst', async () => {
    const web = client();
    for (let i = 0; i < 3; i += 1)
      await web.chat.postMessage({ channel: 'C0INC00001', text: `${i}` });

    const limited = web.chat.postMessage({ channel: 'C0INC00001', text: 'too fast' });
    await expect(limited).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 1,
    });
    expect(emulator.calls.at(-1)).toMatchObject({
      status: 429,
      response: { error: 'ratelimited' },
    });
    await expect(web.chat.postMessage({ channel: 'C0OTHER001', text: 'x' })).resolves.toBeTruthy();

    clock += 1000;
    await expect(
      web.chat.postMessage({ channel: 'C0INC00001', text: 'later' }),
    ).resolves.toMatchObject({
      ok: true,
    });
  });

  it('rejects bad and missing tokens as Slack does, with HTTP 200', async () => {
    await expect(client('xoxb-wrong').auth.test()).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { ok: false, error: 'invalid_auth' },
    });
    const res = await fetch(`${slackApiUrl}auth.test`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: false, error: 'not_authed' });
    await expect(client().auth.test()).resolves.toMatchObject({ user_id: 'U0BOT00001' });
  });

  it('injects 5xx outages that the client retries through', async () => {
    emulator.failNext('chat.postMessage', { status: 503 });
    await expect(
      client().chat.postMessage({ channel: 'C0GENERAL', text: 'x' }),
    ).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 503,
    });

    emulator.failNext('chat.postMessage', { status: 500, count: 2 });
    const res = await client(EMULATOR_TOKEN, 2).chat.postMessage({
      channel: 'C0GENERAL',
      text: 'y',
    });
    expect(res.ok).toBe(true);
    expect(emulator.callsTo('chat.postMessage').map((c) => c.status)).toEqual([503, 500, 500, 200]);
  });

  it('injects Slack error codes', async () => {
    emulator.failNext('chat.postMessage', { error: 'channel_not_found' });
    await expect(
      client().chat.postMessage({ channel: 'C0GENERAL', text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  it('answers unknown_method and validates blocks', async () => {
    await expect(client().apiCall('incidents.declare')).rejects.toMatchObject({
      data: { error: 'unknown_method' },
    });
    const tooLong = [header('x'.repeat(151))];
    await expect(
      client().chat.postMessage({ channel: 'C0GENERAL', text: 'x', blocks: tooLong }),
    ).rejects.toMatchObject({ data: { error: 'invalid_blocks' } });
  });

  it('edits messages in place and serves history and thread replies', async () => {
    const web = client();
    const root = await web.chat.postMessage({ channel: 'C0GENERAL', text: 'INC-2 declared' });
    await web.chat.postMessage({ channel: 'C0GENERAL', text: 'update 1', thread_ts: root.ts });
    await web.chat.update({ channel: 'C0GENERAL', ts: root.ts!, text: 'INC-2 resolved' });
    const userTs = emulator.postAsUser('C0GENERAL', 'U0ALICE001', 'thanks');

    expect(emulator.messagesIn('C0GENERAL')[0]).toMatchObject({
      text: 'INC-2 resolved',
      reply_count: 1,
    });
    const history = await web.conversations.history({ channel: 'C0GENERAL' });
    expect(history.messages?.map((m) => m.text)).toEqual(['thanks', 'INC-2 resolved']);
    const replies = await web.conversations.replies({ channel: 'C0GENERAL', ts: root.ts! });
    expect(replies.messages?.map((m) => m.text)).toEqual(['INC-2 resolved', 'update 1']);
    await expect(
      web.chat.update({ channel: 'C0GENERAL', ts: userTs, text: 'x' }),
    ).rejects.toMatchObject({
      data: { error: 'cant_update_message' },
    });
    const link = await web.chat.getPermalink({ channel: 'C0GENERAL', message_ts: root.ts! });
    expect(link.permalink).toBe(
      `https://tenantops-test.slack.com/archives/C0GENERAL/p${root.ts!.replace('.', '')}`,
    );
  });

  it('creates, configures and archives incident channels', async () => {
    const web = client();
    await expect(web.conversations.create({ name: 'Inc-3 Checkout' })).rejects.toMatchObject({
      data: { error: 'invalid_name_specials' },
    });
    const created = await web.conversations.create({ name: 'inc-3-checkout' });
    const id = created.channel!.id!;
    await expect(web.conversations.create({ name: 'inc-3-checkout' })).rejects.toMatchObject({
      data: { error: 'name_taken' },
    });
    await web.conversations.invite({ channel: id, users: 'U0ALICE001,U0BOBBY001' });
    await web.conversations.setTopic({ channel: id, topic: 'P1 · acme' });
    await web.conversations.setPurpose({ channel: id, purpose: 'INC-3' });
    const info = await web.conversations.info({ channel: id });
    expect(info.channel).toMatchObject({ name: 'inc-3-checkout', topic: { value: 'P1 · acme' } });
    expect(emulator.workspace.channels.get(id)?.members.has('U0BOBBY001')).toBe(true);

    await web.conversations.archive({ channel: id });
    await expect(web.chat.postMessage({ channel: id, text: 'x' })).rejects.toMatchObject({
      data: { error: 'is_archived' },
    });
  });

  it('opens and updates modals, and a trigger_id works only once', async () => {
    const web = client();
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Declare' },
      blocks: [],
    };
    const opened = await web.views.open({ trigger_id: 't-1', view });
    await expect(web.views.open({ trigger_id: 't-1', view })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    const updated = await web.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view,
    });
    expect(updated.view?.id).toBe(opened.view?.id);
  });

  it('reacts, pins and returns fake user profiles', async () => {
    const web = client();
    const { ts } = await web.chat.postMessage({ channel: 'C0GENERAL', text: 'x' });
    await web.reactions.add({ channel: 'C0GENERAL', timestamp: ts!, name: 'eyes' });
    await expect(
      web.reactions.add({ channel: 'C0GENERAL', timestamp: ts!, name: 'eyes' }),
    ).rejects.toMatchObject({ data: { error: 'already_reacted' } });
    await web.pins.add({ channel: 'C0GENERAL', timestamp: ts! });
    expect(emulator.messagesIn('C0GENERAL')[0]).toMatchObject({ reactions: [{ name: 'eyes' }] });
    const user = await web.users.info({ user: 'U0ALICE001' });
    expect(user.user).toMatchObject({
      id: 'U0ALICE001',
      is_bot: false,
      profile: expect.any(Object),
    });
  });

  it('accepts JSON bodies with a Bearer header but not a token in the JSON body', async () => {
    const post = (body: object, headers: Record<string, string> = {}) =>
      fetch(`${slackApiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json());

    const auth = { Authorization: `Bearer ${EMULATOR_TOKEN}` };
    expect(await post({ channel: 'C0GENERAL', text: 'json' }, auth)).toMatchObject({ ok: true });
    expect(await post({ channel: 'C0GENERAL', text: 'x', token: EMULATOR_TOKEN })).toMatchObject({
      error: 'not_authed',
    });
  });
});

describe('Bolt app against the emulator, driven by signed requests', () => {
  const secret = 'test-signing-secret';
  const emulator = new SlackEmulator();
  let app: App;
  let eventsUrl = '';

  beforeAll(async () => {
    const slackApiUrl = await emulator.start();
    app = new App({
      token: EMULATOR_TOKEN,
      signingSecret: secret,
      logLevel: LogLevel.ERROR,
      deferInitialization: true,
      clientOptions: { slackApiUrl, retryConfig: { retries: 0 } },
    });
    await app.init();
    app.command('/incident', async ({ ack, respond, client, command }) => {
      await ack();
      await respond({ response_type: 'ephemeral', text: `Declaring ${command.text}` });
      await client.chat.postMessage({ channel: command.channel_id, text: `INC: ${command.text}` });
    });
    const server = await app.start({ port: 0, host: '127.0.0.1' });
    eventsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await app.stop();
    await emulator.stop();
  });

  it('acks a signed slash command, replies on response_url and posts via the Web API', async () => {
    const command = {
      command: '/incident',
      text: 'checkout down',
      response_url: emulator.responseUrl('c1'),
    };
    const res = await signedSlashCommand(eventsUrl, secret, command);
    expect(res.status).toBe(200);

    const message = await emulator.waitFor(() => emulator.messagesIn('C0GENERAL')[0]);
    expect(message.text).toBe('INC: checkout down');
    expect(emulator.responsesTo('c1')[0]?.body).toEqual({
      response_type: 'ephemeral',
      text: 'Declaring checkout down',
    });
    expect(emulator.callsTo('auth.test')).toHaveLength(1);
  });

  it('refuses stale or tampered signatures with 401', async () => {
    const command = { command: '/incident', text: 'x' };
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect(
      (await signedSlashCommand(eventsUrl, secret, command, { timestamp: stale })).status,
    ).toBe(401);
    const tampered = await signedSlashCommand(eventsUrl, secret, command, {
      corruptSignature: true,
    });
    expect(tampered.status).toBe(401);
  });
});
