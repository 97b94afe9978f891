import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chatMethods } from './slack-emulator-chat';
import { FileUploads, type EmulatedFile } from './slack-emulator-files';
import { conversationMethods } from './slack-emulator-conversations';
import {
  bearerToken,
  failureOutcome,
  json,
  parseRequest,
  readBody,
  send,
  TokenBuckets,
  type FailureSpec,
  type HttpOutcome,
  type RateLimit,
} from './slack-emulator-http';
import type { MethodHandler } from './slack-emulator-method';
import {
  Workspace,
  type ChannelSeed,
  type EmulatedMessage,
  type EmulatedUser,
  type Identity,
  type SlackArgs,
  type SlackResponse,
} from './slack-emulator-state';
import { viewAndUserMethods } from './slack-emulator-views';
import { Waiters } from './slack-emulator-waiters';
import { ResponseUrlRecorder, type ResponseUrlPost } from './slack-emulator-response-url';

export type {
  ChannelSeed,
  EmulatedFile,
  EmulatedMessage,
  EmulatedUser,
  FailureSpec,
  Identity,
  RateLimit,
  ResponseUrlPost,
  SlackArgs,
};

export const EMULATOR_TOKEN = 'xoxb-emulator-token';

const METHODS: Record<string, MethodHandler> = {
  ...chatMethods,
  ...conversationMethods,
  ...viewAndUserMethods,
};

export interface SlackEmulatorOptions {
  /** Tokens accepted as valid; anything else is `invalid_auth`. */
  tokens?: string[];
  identity?: Partial<Identity>;
  /** Seeded channels; defaults to `#general` (C0GENERAL) with the bot as a member. */
  channels?: ChannelSeed[];
  /** Create unknown but well-formed channel ids on first use (default true). */
  autoCreateChannels?: boolean;
  /** chat.postMessage limit per channel; `false` disables it. Default 1/s, burst 3. */
  rateLimit?: RateLimit | false;
  /** Clock in epoch milliseconds, for ts values and the rate limiter. */
  now?: () => number;
}

export interface RecordedCall {
  method: string;
  args: SlackArgs;
  token: string | undefined;
  time: number;
  contentType: string;
  status: number;
  response: SlackResponse | string | undefined;
}

/** A Slack Web API stand-in on 127.0.0.1: real HTTP, Slack's auth, errors and rate limits. */
export class SlackEmulator {
  readonly calls: RecordedCall[] = [];
  readonly identity: Identity;
  private ws: Workspace;
  private server: Server | undefined;
  private origin = '';
  private readonly tokens: Set<string>;
  private readonly revoked = new Set<string>();
  private readonly failures = new Map<string, FailureSpec[]>();
  private readonly buckets: TokenBuckets | undefined;
  private readonly now: () => number;
  private readonly waiters = new Waiters();
  private readonly responseUrls = new ResponseUrlRecorder();
  private uploads = new FileUploads(() => this.origin);

  constructor(private readonly options: SlackEmulatorOptions = {}) {
    this.now = options.now ?? Date.now;
    this.tokens = new Set(options.tokens ?? [EMULATOR_TOKEN]);
    this.identity = {
      teamId: 'T0TENANT01',
      teamName: 'Tenantops Test',
      teamDomain: 'tenantops-test',
      botUserId: 'U0BOT00001',
      botId: 'B0BOT00001',
      botName: 'tenantops',
      appId: 'A0TENANTOPS',
      ...options.identity,
    };
    const limit = options.rateLimit ?? { perSecond: 1, burst: 3 };
    this.buckets = limit === false ? undefined : new TokenBuckets(limit, this.now);
    this.ws = this.freshWorkspace();
  }

  /** Starts listening on a random port; resolves to the `slackApiUrl` (ends in `/api/`). */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      // A client that hangs up mid-body is not a test failure; drop the socket.
      this.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.apiUrl;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    // fetch keeps sockets alive; close them or close() waits for the idle timeout.
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((err) => (err ? reject(err) : resolve())),
    );
  }

  get apiUrl(): string {
    return `${this.origin}/api/`;
  }

  /** Live workspace state (channels, messages, views) for assertions and seeding. */
  get workspace(): Workspace {
    return this.ws;
  }

  /** Forgets calls, state, failures and rate-limit buckets; keeps the server running. */
  reset(): void {
    this.calls.length = 0;
    this.failures.clear();
    this.buckets?.clear();
    this.responseUrls.clear();
    this.revoked.clear();
    this.uploads = new FileUploads(() => this.origin);
    this.ws = this.freshWorkspace();
  }

  /** The next `count` (default 1) calls to `method` (or `'*'`) fail as described. */
  failNext(method: string, spec: FailureSpec): void {
    const queue = this.failures.get(method) ?? [];
    queue.push(...Array.from({ length: spec.count ?? 1 }, () => spec));
    this.failures.set(method, queue);
  }

  /** Later calls with this token get `token_revoked`. */
  revokeToken(token: string): void {
    this.revoked.add(token);
  }

  addChannel(seed: ChannelSeed): void {
    this.ws.addChannel(seed);
  }

  addUser(user: Partial<EmulatedUser> & { id: string }): void {
    const base = this.ws.user(user.id);
    if (!base) throw new Error(`not a Slack user id: ${user.id}`);
    this.ws.users.set(user.id, { ...base, ...user });
  }

  /** Seeds a message from a human, e.g. to test `cant_update_message` or history reads. */
  postAsUser(channel: string, user: string, text: string, threadTs?: string): string {
    const ts = this.ws.nextTs();
    const id = this.ws.resolveChannel(channel)?.id ?? channel;
    this.ws.addMessage({ type: 'message', channel: id, ts, user, text }, threadTs);
    this.notify();
    return ts;
  }

  /** Files shared through files.completeUploadExternal, oldest first. */
  get files(): EmulatedFile[] {
    return this.uploads.shared;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Current messages in a channel (id or name), oldest first, edits applied. */
  messagesIn(channel: string): EmulatedMessage[] {
    const id = this.findChannelId(channel);
    return this.ws.messages.filter((m) => m.channel === id);
  }

  ephemeralsIn(channel: string): Workspace['ephemerals'] {
    const id = this.findChannelId(channel);
    return this.ws.ephemerals.filter((m) => m.channel === id);
  }

  /** A response_url served by the emulator; Bolt's `respond()` POSTs JSON to it. */
  responseUrl(id: string): string {
    return `${this.origin}${this.responseUrls.path(id)}`;
  }

  responsesTo(id: string): ResponseUrlPost[] {
    return this.responseUrls.postsTo(id);
  }

  /** Resolves with the predicate's first truthy result, re-checked after every request. */
  waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
    const seen = () => `calls: ${this.calls.map((c) => c.method).join(', ') || 'none'}`;
    return this.waiters.waitFor(predicate, timeoutMs, seen);
  }

  waitForCall(method: string, match?: (c: RecordedCall) => boolean, ms = 15_000) {
    return this.waitFor(() => this.callsTo(method).find((c) => !match || match(c)), ms);
  }

  private freshWorkspace(): Workspace {
    const ws = new Workspace(this.identity, this.now, this.options.autoCreateChannels ?? true);
    for (const seed of this.options.channels ?? [{ id: 'C0GENERAL', name: 'general' }]) {
      ws.addChannel(seed);
    }
    return ws;
  }

  private findChannelId(ref: string): string {
    const name = ref.replace(/^#/, '');
    for (const c of this.ws.channels.values()) if (c.id === ref || c.name === name) return c.id;
    return ref;
  }

  private notify(): void {
    this.waiters.notify();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const body = await readBody(req);
    const posted = this.responseUrls.accept(url.pathname, req, body, this.now());
    if (posted) {
      send(res, posted);
    } else if (url.pathname.startsWith('/api/')) {
      send(res, this.apiCall(url, req, body));
    } else if (url.pathname.startsWith('/upload/v1/')) {
      // Failures of the upload host are scripted with failNext('upload_url', ...).
      const failure = this.takeFailure('upload_url', {});
      send(res, this.uploads.receive(url.pathname, req, body, failure));
    } else {
      send(res, { status: 404, headers: {}, body: 'Not Found' });
    }
    this.notify();
  }

  private apiCall(url: URL, req: IncomingMessage, body: string): HttpOutcome {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const contentType = req.headers['content-type'] ?? '';
    const parsed = parseRequest(contentType, body, url.searchParams);
    const token = bearerToken(req.headers.authorization) ?? parsed.formToken;
    const call: RecordedCall = {
      method,
      args: parsed.args,
      token,
      time: this.now(),
      contentType,
      status: 0,
      response: undefined,
    };
    this.calls.push(call);
    const outcome = this.dispatch(method, parsed.args, token, parsed.malformed);
    call.status = outcome.status;
    call.response = outcome.body;
    return outcome;
  }

  /** Adds (or replaces) a Web API method, e.g. `apps.connections.open` for Socket Mode. */
  addMethod(method: string, handler: MethodHandler): void {
    this.extraMethods.set(method, handler);
  }

  private readonly extraMethods = new Map<string, MethodHandler>();

  private dispatch(method: string, args: SlackArgs, token?: string, bad = false): HttpOutcome {
    const failure = this.takeFailure(method, args);
    if (failure) return failureOutcome(failure);
    const handler =
      this.extraMethods.get(method) ?? METHODS[method] ?? this.uploads.methods[method];
    if (!handler) return json({ ok: false, error: 'unknown_method', req_method: method });
    if (bad) return json({ ok: false, error: 'invalid_json' });
    if (!token) return json({ ok: false, error: 'not_authed' });
    if (this.revoked.has(token)) return json({ ok: false, error: 'token_revoked' });
    if (!this.tokens.has(token)) return json({ ok: false, error: 'invalid_auth' });
    if (method === 'chat.postMessage' && this.buckets) {
      const key = this.ws.resolveChannel(args.channel)?.id ?? String(args.channel);
      const retryAfter = this.buckets.take(key);
      if (retryAfter !== undefined) {
        const headers = { 'Retry-After': String(retryAfter) };
        return json({ ok: false, error: 'ratelimited' }, 429, headers);
      }
    }
    return json(handler({ ws: this.ws, args, token }));
  }

  /** The first queued failure for this call (a spec naming a channel only fails calls to it). */
  private takeFailure(method: string, args: SlackArgs): FailureSpec | undefined {
    for (const key of [method, '*']) {
      const queue = this.failures.get(key) ?? [];
      const i = queue.findIndex((f) => f.channel === undefined || f.channel === args.channel);
      if (i >= 0) return queue.splice(i, 1)[0];
    }
    return undefined;
  }
}
