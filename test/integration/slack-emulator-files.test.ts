import { ErrorCode, WebClient } from '@slack/web-api';
import { WebChat } from '../../src/adapters/slack/web-chat';
import { classifySlackError } from '../../src/adapters/queue/slack-delivery-errors';
import { EMULATOR_TOKEN, SlackEmulator } from '../support/slack-emulator';

let emulator: SlackEmulator;
let client: WebClient;
let chat: WebChat;

beforeAll(async () => {
  emulator = new SlackEmulator({
    channels: [
      { id: 'C0GENERAL', name: 'general' },
      { id: 'C0OUTSIDE', name: 'outside', isMember: false },
    ],
  });
  const url = await emulator.start();
  client = new WebClient(EMULATOR_TOKEN, {
    slackApiUrl: url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  chat = new WebChat(client);
});

afterAll(async () => {
  await emulator.stop();
});

beforeEach(() => emulator.reset());

async function platformError(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { data?: { error?: string } }).data?.error;
  }
}

describe("Slack's external file upload, emulated", () => {
  it('shares an uploaded file in the channel with its comment, in three calls', async () => {
    await chat.uploadFile({
      channel: 'C0GENERAL',
      filename: 'inc-1-postmortem-v1.md',
      title: 'INC-1 draft',
      content: '# Draft ñ\n',
      comment: 'Draft v1',
    });
    expect(emulator.callsTo('files.getUploadURLExternal')[0]?.args).toMatchObject({
      filename: 'inc-1-postmortem-v1.md',
      length: String(Buffer.byteLength('# Draft ñ\n')),
    });
    expect(emulator.files).toEqual([
      expect.objectContaining({
        channel: 'C0GENERAL',
        content: '# Draft ñ\n',
        title: 'INC-1 draft',
        comment: 'Draft v1',
      }),
    ]);
    expect(emulator.messagesIn('C0GENERAL').at(-1)?.text).toBe('Draft v1');
  });

  it('answers as Slack does: missing_argument, invalid_arguments, file_not_found, not_in_channel', async () => {
    expect(
      await platformError(client.files.getUploadURLExternal({ filename: 'a.md', length: 0 })),
    ).toBe('missing_argument');
    expect(await platformError(client.apiCall('files.getUploadURLExternal', { length: 3 }))).toBe(
      'invalid_arguments',
    );
    const ticket = await client.files.getUploadURLExternal({ filename: 'a.md', length: 3 });
    // Completing before the bytes were posted finds no file.
    expect(
      await platformError(
        client.files.completeUploadExternal({
          files: [{ id: ticket.file_id as string }],
          channel_id: 'C0GENERAL',
        }),
      ),
    ).toBe('file_not_found');
    expect(
      (await fetch(ticket.upload_url as string, { method: 'POST', body: 'abcd' })).status,
    ).toBe(400);
    expect((await fetch(ticket.upload_url as string, { method: 'POST', body: 'abc' })).status).toBe(
      200,
    );
    expect(
      await platformError(
        client.files.completeUploadExternal({
          files: [{ id: ticket.file_id as string }],
          channel_id: 'C0OUTSIDE',
        }),
      ),
    ).toBe('not_in_channel');
    await client.files.completeUploadExternal({
      files: [{ id: ticket.file_id as string }],
      channel_id: 'C0GENERAL',
    });
    // It can be completed once.
    expect(
      await platformError(
        client.files.completeUploadExternal({
          files: [{ id: ticket.file_id as string }],
          channel_id: 'C0GENERAL',
        }),
      ),
    ).toBe('file_not_found');
    expect(
      await platformError(
        new WebClient('xoxb-wrong', {
          slackApiUrl: emulator.apiUrl,
          retryConfig: { retries: 0 },
        }).files.getUploadURLExternal({ filename: 'a', length: 1 }),
      ),
    ).toBe('invalid_auth');
  });

  it('fails an upload the delivery queue retries (upload host 503, 429 with Retry-After) and one it does not', async () => {
    emulator.failNext('upload_url', { status: 503 });
    const outage = await chat
      .uploadFile({ channel: 'C0GENERAL', filename: 'a.md', title: 'a', content: 'x' })
      .catch((e: unknown) => e);
    expect(classifySlackError(outage)).toEqual({ kind: 'retry', reason: 'HTTP 503' });
    emulator.failNext('files.completeUploadExternal', { status: 429, retryAfter: 7 });
    const limited = await chat
      .uploadFile({ channel: 'C0GENERAL', filename: 'a.md', title: 'a', content: 'x' })
      .catch((e: unknown) => e);
    expect((limited as { code?: string }).code).toBe(ErrorCode.RateLimitedError);
    expect(classifySlackError(limited)).toEqual({ kind: 'rate_limited', retryAfterMs: 7000 });
    const outside = await chat
      .uploadFile({ channel: 'C0OUTSIDE', filename: 'a.md', title: 'a', content: 'x' })
      .catch((e: unknown) => e);
    expect(classifySlackError(outside)).toEqual({ kind: 'permanent', reason: 'not_in_channel' });
    expect(emulator.files).toEqual([]);
  });
});
