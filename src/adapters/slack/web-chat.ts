import { ErrorCode, WebClient, type WebAPICallResult } from '@slack/web-api';
import type { Block, ChatPort, OutboundFile, OutboundMessage } from '../../ports/chat';

type SlackError = Error & { code?: string; data?: WebAPICallResult };

function slackErrorCode(err: unknown): string | undefined {
  const e = err as SlackError;
  return e.code === ErrorCode.PlatformError
    ? (e.data as { error?: string } | undefined)?.error
    : undefined;
}

/** A failed POST to Slack's upload URL, shaped like the SDK's HTTP errors so delivery classifies it. */
function uploadError(status: number, retryAfter: string | null): Error {
  if (status === 429)
    return Object.assign(new Error('upload rate limited'), {
      code: ErrorCode.RateLimitedError,
      retryAfter: Number(retryAfter ?? 1) || 1,
    });
  return Object.assign(new Error(`upload to Slack failed: HTTP ${status}`), {
    code: ErrorCode.HTTPError,
    statusCode: status,
  });
}

/** ChatPort on Slack's Web API (retries 429/5xx with the SDK's backoff, honouring Retry-After). */
export class WebChat implements ChatPort {
  constructor(readonly client: WebClient) {}

  async postMessage(msg: OutboundMessage): Promise<{ channel: string; ts: string }> {
    const res = await this.client.chat.postMessage({
      channel: msg.channel,
      text: msg.text,
      blocks: msg.blocks as never,
      thread_ts: msg.threadTs,
      unfurl_links: false,
    });
    return { channel: res.channel ?? msg.channel, ts: res.ts as string };
  }

  async updateMessage(msg: {
    channel: string;
    ts: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    await this.client.chat.update({
      channel: msg.channel,
      ts: msg.ts,
      text: msg.text,
      blocks: msg.blocks as never,
    });
  }

  async postEphemeral(msg: {
    channel: string;
    user: string;
    text: string;
    blocks?: Block[];
  }): Promise<void> {
    await this.client.chat.postEphemeral({
      channel: msg.channel,
      user: msg.user,
      text: msg.text,
      blocks: msg.blocks as never,
    });
  }

  async createChannel(
    name: string,
    opts: { private: boolean },
  ): Promise<{ id: string; name: string }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = attempt === 0 ? name : `${name.slice(0, 75)}-${attempt + 1}`;
      try {
        const res = await this.client.conversations.create({
          name: candidate,
          is_private: opts.private,
        });
        return { id: res.channel?.id as string, name: res.channel?.name ?? candidate };
      } catch (err) {
        if (slackErrorCode(err) !== 'name_taken') throw err;
      }
    }
    throw new Error(`no free channel name for ${name}`);
  }

  async invite(channel: string, users: readonly string[]): Promise<void> {
    try {
      await this.client.conversations.invite({ channel, users: users.join(',') });
    } catch (err) {
      // Inviting someone already there (or the bot itself) is not a failure of the incident.
      if (!['already_in_channel', 'cant_invite_self'].includes(slackErrorCode(err) ?? ''))
        throw err;
    }
  }

  async setTopic(channel: string, topic: string): Promise<void> {
    await this.client.conversations.setTopic({ channel, topic });
  }

  async openModal(triggerId: string, view: Block): Promise<void> {
    await this.client.views.open({ trigger_id: triggerId, view: view as never });
  }

  async message(
    channel: string,
    ts: string,
  ): Promise<{ text: string; threadTs?: string } | undefined> {
    // conversations.replies accepts a parent's or a reply's ts, so it finds both kinds.
    const res = await this.client.conversations.replies({ channel, ts, limit: 200 });
    const msg = res.messages?.find((m) => m.ts === ts);
    if (!msg?.text) return undefined;
    // A thread's root carries its own ts as thread_ts: keep it, it names the thread it roots.
    return { text: msg.text, ...(msg.thread_ts ? { threadTs: msg.thread_ts } : {}) };
  }

  /**
   * Slack's external upload: files.getUploadURLExternal for a URL and file id, the bytes POSTed
   * to that URL (any status but 200 is a failure), then files.completeUploadExternal shares the
   * file in the channel with its comment. A retry starts over: an upload never completed is
   * discarded by Slack.
   */
  async uploadFile(file: OutboundFile): Promise<void> {
    const bytes = Buffer.from(file.content, 'utf8');
    const ticket = await this.client.files.getUploadURLExternal({
      filename: file.filename,
      length: bytes.length,
    });
    const res = await fetch(ticket.upload_url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw uploadError(res.status, res.headers.get('retry-after'));
    await this.client.files.completeUploadExternal({
      files: [{ id: ticket.file_id as string, title: file.title }],
      channel_id: file.channel,
      ...(file.threadTs ? { thread_ts: file.threadTs } : {}),
      ...(file.comment ? { initial_comment: file.comment } : {}),
    });
  }
}
