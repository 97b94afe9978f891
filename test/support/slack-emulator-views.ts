import { randomBytes } from 'node:crypto';
import { blockErrors } from './slack-emulator-blocks';
import { fail, isRecord, jsonArg, str, type MethodHandler } from './slack-emulator-method';
import type { EmulatedView, SlackResponse, Workspace } from './slack-emulator-state';

const MAX_TITLE = 24;
const MAX_METADATA = 3000;

function plainTextError(value: unknown, at: string, required: boolean): string | undefined {
  if (value === undefined) return required ? `missing required field: ${at}` : undefined;
  if (!isRecord(value) || value.type !== 'plain_text' || typeof value.text !== 'string') {
    return `must be a plain_text object [json-pointer:/view/${at}]`;
  }
  if (value.text.length > MAX_TITLE) {
    return `must be less than ${MAX_TITLE + 1} characters [json-pointer:/view/${at}/text]`;
  }
  return undefined;
}

/** Modal rules Slack enforces on views.open/update, answered as `invalid_arguments`. */
function viewErrors(view: Record<string, unknown>): string[] {
  const errors: string[] = [];
  if (view.type !== 'modal') errors.push('must be a valid enum value [json-pointer:/view/type]');
  for (const [field, required] of [
    ['title', true],
    ['submit', false],
    ['close', false],
  ] as const) {
    const error = plainTextError(view[field], field, required);
    if (error) errors.push(error);
  }
  const metadata = view.private_metadata;
  if (typeof metadata === 'string' && metadata.length > MAX_METADATA) {
    errors.push('must be less than 3001 characters [json-pointer:/view/private_metadata]');
  }
  errors.push(...blockErrors(view.blocks, 100).map((e) => e.replace(/^\[ERROR\] /, '')));
  return errors.map((e) => `[ERROR] ${e}`);
}

type ViewOrFailure = { view: Record<string, unknown> } | { failure: SlackResponse };

function readView(raw: unknown): ViewOrFailure {
  const view = jsonArg(raw);
  if (!isRecord(view)) return { failure: fail('invalid_arguments') };
  const messages = viewErrors(view);
  if (messages.length === 0) return { view };
  return { failure: fail('invalid_arguments', { response_metadata: { messages } }) };
}

function storeView(ws: Workspace, id: string, view: Record<string, unknown>): EmulatedView {
  const stored: EmulatedView = {
    ...view,
    id,
    team_id: ws.identity.teamId,
    type: String(view.type),
    blocks: Array.isArray(view.blocks) ? view.blocks : [],
    state: { values: {} },
    hash: `${Math.floor(ws.now() / 1000)}.${randomBytes(4).toString('hex')}`,
    app_id: ws.identity.appId,
    bot_id: ws.identity.botId,
  };
  ws.views.set(id, stored);
  return stored;
}

const open: MethodHandler = ({ ws, args }) => {
  const trigger = str(args.trigger_id) ?? str(args.interactivity_pointer);
  if (!trigger) return fail('invalid_arguments');
  // A trigger_id can be exchanged for a modal once.
  if (ws.usedTriggers.has(trigger)) return fail('exchanged_trigger_id');
  const read = readView(args.view);
  if ('failure' in read) return read.failure;
  ws.usedTriggers.add(trigger);
  const stored = storeView(ws, ws.nextId('V'), read.view);
  stored.trigger_id = trigger;
  return { ok: true, view: stored };
};

const update: MethodHandler = ({ ws, args }) => {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id);
  if (!viewId && !externalId) return fail('invalid_arguments');
  const current = viewId
    ? ws.views.get(viewId)
    : [...ws.views.values()].find((v) => v.external_id === externalId);
  if (!current) return fail('not_found');
  const hash = str(args.hash);
  if (hash !== undefined && hash !== current.hash) return fail('hash_conflict');
  const read = readView(args.view);
  if ('failure' in read) return read.failure;
  return { ok: true, view: storeView(ws, current.id, read.view) };
};

const usersInfo: MethodHandler = ({ ws, args }) => {
  const user = ws.user(args.user);
  return user ? { ok: true, user } : fail('user_not_found');
};

const authTest: MethodHandler = ({ ws }) => ({
  ok: true,
  url: `https://${ws.identity.teamDomain}.slack.com/`,
  team: ws.identity.teamName,
  user: ws.identity.botName,
  team_id: ws.identity.teamId,
  user_id: ws.identity.botUserId,
  bot_id: ws.identity.botId,
  is_enterprise_install: false,
});

export const viewAndUserMethods: Record<string, MethodHandler> = {
  'views.open': open,
  'views.update': update,
  'users.info': usersInfo,
  'auth.test': authTest,
};
