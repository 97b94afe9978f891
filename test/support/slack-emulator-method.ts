import type { EmulatedChannel, SlackArgs, SlackResponse, Workspace } from './slack-emulator-state';

export interface MethodContext {
  ws: Workspace;
  args: SlackArgs;
  token: string;
}

export type MethodHandler = (ctx: MethodContext) => SlackResponse;

export function fail(error: string, extra: Record<string, unknown> = {}): SlackResponse {
  return { ok: false, error, ...extra };
}

/** Form bodies carry every scalar as a string; JSON bodies may carry numbers. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function bool(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function int(value: unknown, fallback: number): number {
  const parsed = Number.parseInt(str(value) ?? '', 10);
  return Number.isNaN(parsed) ? fallback : parsed;
}

/** Slack accepts `blocks`/`view` either as JSON values or as JSON-encoded strings. */
export function jsonArg(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Channel the bot may act in, or the error Slack answers. */
export function memberChannel(ws: Workspace, ref: unknown): EmulatedChannel | SlackResponse {
  const channel = ws.resolveChannel(ref);
  if (!channel) return fail('channel_not_found');
  if (channel.isArchived) return fail('is_archived');
  if (!channel.members.has(ws.identity.botUserId)) return fail('not_in_channel');
  return channel;
}

export function isFailure(value: EmulatedChannel | SlackResponse): value is SlackResponse {
  return 'ok' in value;
}

/** Opaque pagination cursor over an offset, like Slack's base64 `next_cursor`. */
export function page<T>(items: T[], args: SlackArgs, max = 999): { items: T[]; next: string } {
  const limit = Math.min(Math.max(int(args.limit, 100), 1), max);
  const cursor = str(args.cursor);
  const decoded = cursor ? Buffer.from(cursor, 'base64').toString('utf8') : '';
  const offset = decoded.startsWith('offset:') ? int(decoded.slice(7), 0) : 0;
  const slice = items.slice(offset, offset + limit);
  const more = offset + limit < items.length;
  return {
    items: slice,
    next: more ? Buffer.from(`offset:${offset + limit}`).toString('base64') : '',
  };
}
