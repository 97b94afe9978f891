import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { assertMayDeclare, declareIncident } from '../src/app/declare-incident';
import { postIncidentUpdate, resolveIncident } from '../src/app/incident-actions';
import { DomainError } from '../src/domain/errors';
import { parseIncidentCommand } from '../src/domain/incidents/incident-command';
import { incidentRef } from '../src/domain/incidents/incident';
import { DECLARE_FIELDS } from '../templates/declare-modal';
import { domainErrorText, UNAVAILABLE, type CommandDeps } from './command-support';
import { updateReply } from './incident-command';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Values = ViewSubmitAction['view']['state']['values'];

function field(values: Values, id: string): string {
  const v = values[id]?.[id];
  // A multi-select answers with selected_options; the typed form with a comma-separated value.
  const many = v?.selected_options?.map((o) => o.value).join(',');
  return (many ?? v?.selected_option?.value ?? v?.value ?? '').trim();
}

function meta(args: Args): { channel?: string | null; incident?: number } {
  try {
    return JSON.parse(args.view.private_metadata || '{}') as {
      channel?: string | null;
      incident?: number;
    };
  } catch {
    return {};
  }
}

/**
 * Modal submissions validate inside the 3 s window (bad input shows next to the field), then
 * the work runs after the ack and the outcome is sent to the person as a DM-style ephemeral.
 */
export function declareSubmission(deps: CommandDeps) {
  return async (args: Args): Promise<void> => {
    const values = args.view.state.values;
    const text = `declare ${field(values, DECLARE_FIELDS.severity)} ${field(values, DECLARE_FIELDS.tenants).replace(/\s+/g, '')} ${field(values, DECLARE_FIELDS.title)}`;
    let parsed;
    try {
      parsed = parseIncidentCommand(text);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const target =
        err.code === 'missing_title'
          ? DECLARE_FIELDS.title
          : err.code === 'bad_severity'
            ? DECLARE_FIELDS.severity
            : DECLARE_FIELDS.tenants;
      await args.ack({
        response_action: 'errors',
        errors: { [target]: err.message.split('\n')[0] ?? err.message },
      });
      return;
    }
    if (parsed.kind !== 'declare') return args.ack();
    const user = args.body.user.id;
    const channel = meta(args).channel ?? undefined;
    // Who may declare for these tenants is known before the ack: a refusal shows on the field
    // and the form stays open with what was typed (the refusal is audited all the same).
    try {
      await assertMayDeclare(deps.incidents, { user, channel }, parsed.tenants);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      await args.ack({
        response_action: 'errors',
        errors: { [DECLARE_FIELDS.tenants]: err.message },
      });
      return;
    }
    await args.ack();
    await notifyOutcome(deps, user, channel, async () => {
      const inc = await declareIncident(deps.incidents, { user, channel }, parsed);
      return `:rotating_light: Declared *${incidentRef(inc.number)}* → ${inc.threadTs ? 'its thread' : `<#${inc.channelId}>`}`;
    });
  };
}

export function updateSubmission(deps: CommandDeps, kind: 'update' | 'resolve') {
  return async (args: Args): Promise<void> => {
    const values = args.view.state.values;
    const id = kind === 'update' ? 'text' : 'summary';
    const text = field(values, id);
    if (!text) {
      await args.ack({ response_action: 'errors', errors: { [id]: 'Write something first.' } });
      return;
    }
    await args.ack();
    const user = args.body.user.id;
    const ref = meta(args).incident;
    await notifyOutcome(deps, user, undefined, async () => {
      if (kind === 'update')
        return updateReply(await postIncidentUpdate(deps.incidents, { user }, { ref, text }));
      const inc = await resolveIncident(deps.incidents, { user }, ref, text);
      return `${incidentRef(inc.number)} resolved.`;
    });
  };
}

async function notifyOutcome(
  deps: CommandDeps,
  user: string,
  channel: string | undefined,
  work: () => Promise<string>,
): Promise<void> {
  let text: string;
  try {
    text = await work();
  } catch (err) {
    if (!(err instanceof DomainError)) {
      await deps.chat
        .postEphemeral({ channel: channel ?? user, user, text: UNAVAILABLE })
        .catch(() => undefined);
      throw err;
    }
    text = domainErrorText(err);
  }
  // A modal has no channel; a message to the user's own id lands in their DM with the bot.
  await deps.chat.postEphemeral({ channel: channel ?? user, user, text });
}
