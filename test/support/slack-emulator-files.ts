import type { IncomingMessage } from 'node:http';
import { failureOutcome, type FailureSpec, type HttpOutcome } from './slack-emulator-http';
import {
  fail,
  int,
  isFailure,
  isRecord,
  jsonArg,
  memberChannel,
  str,
  type MethodHandler,
} from './slack-emulator-method';

/** A file shared through the external upload flow, as tests inspect it. */
export interface EmulatedFile {
  id: string;
  filename: string;
  title: string;
  content: string;
  channel: string;
  threadTs?: string;
  comment?: string;
  ts: string;
}

interface Ticket {
  id: string;
  filename: string;
  length: number;
  bytes?: string;
  completed: boolean;
}

/** The team's upload limit (`file_upload_size_restricted` above it). */
const MAX_UPLOAD = 1024 * 1024 * 1024;
/** Snippets are limited to 1 MB (`snippet_too_large`). */
const MAX_SNIPPET = 1024 * 1024;

/**
 * Slack's external upload, as documented: files.getUploadURLExternal answers an upload URL and a
 * file id; the bytes are POSTed there (raw or multipart; HTTP 200 on success, any other status a
 * failure); files.completeUploadExternal, callable once, shares the file in a channel with its
 * initial comment. An upload never completed is never shared.
 */
export class FileUploads {
  readonly shared: EmulatedFile[] = [];
  private readonly tickets = new Map<string, Ticket>();
  private seq = 0;

  constructor(private readonly origin: () => string) {}

  readonly methods: Record<string, MethodHandler> = {
    'files.getUploadURLExternal': ({ args }) => {
      const filename = str(args.filename);
      const length = int(args.length, Number.NaN);
      if (!filename || Number.isNaN(length)) return fail('invalid_arguments');
      if (length <= 0) return fail('missing_argument');
      if (length > MAX_UPLOAD) return fail('file_upload_size_restricted');
      if (args.snippet_type !== undefined && length > MAX_SNIPPET) return fail('snippet_too_large');
      const id = `F0${String(++this.seq).padStart(9, '0')}`;
      const key = `${id.toLowerCase()}x${Math.random().toString(36).slice(2, 10)}`;
      this.tickets.set(key, { id, filename, length, completed: false });
      return { ok: true, upload_url: `${this.origin()}/upload/v1/${key}`, file_id: id };
    },
    'files.completeUploadExternal': ({ ws, args }) => {
      const files = jsonArg(args.files);
      if (!Array.isArray(files) || files.length === 0) return fail('invalid_arguments');
      const tickets: { ticket: Ticket; title: string }[] = [];
      for (const f of files) {
        if (!isRecord(f) || typeof f.id !== 'string') return fail('invalid_arguments');
        const ticket = [...this.tickets.values()].find((t) => t.id === f.id);
        if (!ticket || ticket.completed || ticket.bytes === undefined)
          return fail('file_not_found');
        tickets.push({ ticket, title: str(f.title) ?? ticket.filename });
      }
      const channelRef = str(args.channel_id) ?? str(args.channels);
      if (!channelRef) {
        for (const { ticket } of tickets) ticket.completed = true; // private to the uploader
        return { ok: true, files: tickets.map(({ ticket, title }) => ({ id: ticket.id, title })) };
      }
      const channel = memberChannel(ws, channelRef);
      if (isFailure(channel)) return channel;
      const comment = str(args.initial_comment);
      const threadTs = str(args.thread_ts);
      const ts = ws.nextTs();
      const shared = tickets.map(({ ticket, title }) => {
        ticket.completed = true;
        const file: EmulatedFile = {
          id: ticket.id,
          filename: ticket.filename,
          title,
          content: ticket.bytes ?? '',
          channel: channel.id,
          ts,
          ...(threadTs ? { threadTs } : {}),
          ...(comment ? { comment } : {}),
        };
        this.shared.push(file);
        return file;
      });
      ws.addMessage(
        {
          type: 'message',
          channel: channel.id,
          ts,
          user: ws.identity.botUserId,
          bot_id: ws.identity.botId,
          text: comment ?? '',
          files: shared.map((f) => ({ id: f.id, name: f.filename, title: f.title })),
        } as Parameters<typeof ws.addMessage>[0],
        threadTs,
      );
      return { ok: true, files: shared.map((f) => ({ id: f.id, title: f.title })) };
    },
  };

  /** The POST of the bytes to an upload URL; `failure` is a scripted outage of the upload host. */
  receive(path: string, req: IncomingMessage, body: string, failure?: FailureSpec): HttpOutcome {
    if (failure) return failureOutcome(failure);
    const ticket = this.tickets.get(path.slice('/upload/v1/'.length));
    if (req.method !== 'POST' || !ticket || ticket.completed)
      return { status: 404, headers: {}, body: 'Not Found' };
    const bytes = fileBytes(req.headers['content-type'], body);
    if (Buffer.byteLength(bytes, 'utf8') !== ticket.length)
      return { status: 400, headers: {}, body: `length mismatch: expected ${ticket.length} bytes` };
    ticket.bytes = bytes;
    return { status: 200, headers: {}, body: `OK - ${ticket.length}` };
  }
}

/** Raw bytes, or the file part of a multipart form. */
function fileBytes(contentType: string | undefined, body: string): string {
  const boundary = /multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!boundary) return body;
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0 || !/filename=/i.test(part.slice(0, split))) continue;
    return part.slice(split + 4).replace(/\r\n$/, '');
  }
  return '';
}
