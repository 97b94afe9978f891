import { createHmac } from 'node:crypto';

/** Knobs for negative tests: stale timestamps, bad signatures, Slack retry headers. */
export interface SignOptions {
  /** Unix seconds put in `X-Slack-Request-Timestamp` (and signed); default now. */
  timestamp?: number;
  /** Flip the signature so verification must fail. */
  corruptSignature?: boolean;
  /** Send no `X-Slack-Signature` header at all. */
  omitSignature?: boolean;
  /** Events API redelivery: sets `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`. */
  retryNum?: number;
  retryReason?: string;
  headers?: Record<string, string>;
}

export interface SlashCommandFields {
  command: string;
  text?: string;
  user_id?: string;
  user_name?: string;
  channel_id?: string;
  channel_name?: string;
  team_id?: string;
  team_domain?: string;
  response_url?: string;
  trigger_id?: string;
  api_app_id?: string;
  enterprise_id?: string;
}

/** Slack's v0 scheme: hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed by the secret. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex');
  return `v0=${digest}`;
}

function corrupt(signature: string): string {
  const last = signature.slice(-1);
  return `${signature.slice(0, -1)}${last === '0' ? '1' : '0'}`;
}

/** Headers Slack sends with a request body: content type, timestamp, signature, retries. */
export function signedHeaders(
  secret: string,
  body: string,
  contentType: string,
  opts: SignOptions = {},
): Record<string, string> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = slackSignature(secret, timestamp, body);
  const headers: Record<string, string> = {
    // Bolt compares this header by equality, and Slack sends it without a charset.
    'Content-Type': contentType,
    'X-Slack-Request-Timestamp': String(timestamp),
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (!opts.omitSignature) {
    headers['X-Slack-Signature'] = opts.corruptSignature ? corrupt(signature) : signature;
  }
  if (opts.retryNum !== undefined) {
    headers['X-Slack-Retry-Num'] = String(opts.retryNum);
    headers['X-Slack-Retry-Reason'] = opts.retryReason ?? 'http_timeout';
  }
  return { ...headers, ...opts.headers };
}

/** POSTs a raw body signed as Slack would; the building block of the helpers below. */
export function signedPost(
  url: string,
  secret: string,
  body: string,
  contentType: string,
  opts: SignOptions = {},
): Promise<Response> {
  const headers = signedHeaders(secret, body, contentType, opts);
  return fetch(url, { method: 'POST', headers, body });
}

/** A slash command as Slack posts it: form-urlencoded fields, in Slack's order. */
export function slashCommandBody(fields: SlashCommandFields): string {
  const team = fields.team_id ?? 'T0TENANT01';
  const values: Array<[string, string | undefined]> = [
    ['token', 'deprecated-verification-token'],
    ['team_id', team],
    ['team_domain', fields.team_domain ?? 'tenantops-test'],
    ['enterprise_id', fields.enterprise_id],
    ['channel_id', fields.channel_id ?? 'C0GENERAL'],
    ['channel_name', fields.channel_name ?? 'general'],
    ['user_id', fields.user_id ?? 'U0ALICE001'],
    ['user_name', fields.user_name ?? 'alice'],
    ['command', fields.command],
    ['text', fields.text ?? ''],
    ['api_app_id', fields.api_app_id ?? 'A0TENANTOPS'],
    ['is_enterprise_install', 'false'],
    ['response_url', fields.response_url ?? 'https://hooks.slack.com/commands/T0/1/x'],
    ['trigger_id', fields.trigger_id ?? `${Date.now()}.1.trigger`],
  ];
  const params = new URLSearchParams();
  for (const [key, value] of values) if (value !== undefined) params.append(key, value);
  return params.toString();
}

export function signedSlashCommand(
  url: string,
  secret: string,
  fields: SlashCommandFields,
  opts?: SignOptions,
): Promise<Response> {
  const body = slashCommandBody(fields);
  return signedPost(url, secret, body, 'application/x-www-form-urlencoded', opts);
}

/** Block actions, view submissions, shortcuts: a form body with one `payload` JSON field. */
export function signedInteraction(
  url: string,
  secret: string,
  payload: object,
  opts?: SignOptions,
): Promise<Response> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  return signedPost(url, secret, body, 'application/x-www-form-urlencoded', opts);
}

/** Events API delivery (`event_callback`, `url_verification`): a JSON body. */
export function signedEvent(
  url: string,
  secret: string,
  envelope: object,
  opts?: SignOptions,
): Promise<Response> {
  return signedPost(url, secret, JSON.stringify(envelope), 'application/json', opts);
}
