import type { RespondFn } from '@slack/bolt';
import { DomainError } from '../src/domain/errors';
import type { Actor, IncidentDeps } from '../src/app/incident-deps';
import type { SlaDeps } from '../src/app/sla-deps';
import type { RunbookDeps } from '../src/app/runbooks/runbook-deps';
import type { PostmortemCapability } from '../src/app/postmortem-deps';
import type { ChecklistDeps } from '../src/app/checklists/run-checklist';
import type { Incident } from '../src/domain/incidents/incident';
import type { Block, ChatPort, Reply } from '../src/ports/chat';
import { plainToMrkdwn } from '../templates/mrkdwn';

/**
 * A capability's part of `/incident status` (SLA clocks, failed deliveries, runbook runs, the
 * post-mortem): mrkdwn sections for an incident the actor was already allowed to view.
 */
export type StatusSection = (actor: Actor, incident: Incident) => Promise<string[]>;

/** A capability's part of `/tenant status` (backups, the last preflight…) for a tenant the actor sees. */
export type TenantSection = (actor: Actor, tenant: string) => Promise<string[]>;

/** What the Bolt listeners need from the composition root; capabilities add their parts. */
export interface CommandDeps {
  incidents: IncidentDeps;
  chat: ChatPort;
  /** Sections of `/incident status`, in order; each module that has something to say adds one. */
  statusSections: StatusSection[];
  /** Sections of `/tenant status`, in order. */
  tenantSections: TenantSection[];
  /** The SLA use cases' deps, when the SLA module runs in this process. */
  sla?: SlaDeps;
  /** The runbook engine's deps, when the runbook module runs in this process. */
  runbooks?: RunbookDeps;
  /** Post-mortem drafts and customer drafts, when that module runs in this process. */
  postmortems?: PostmortemCapability;
  /** Preflight and go-live checklists (`/tenant preflight|golive`), when that module runs. */
  checklists?: ChecklistDeps;
}

export const UNAVAILABLE =
  ':warning: tenantops is temporarily unavailable (its database did not answer). Nothing was changed — please retry in a moment.';

/** Replies only to the person: response_url in Slack, an ephemeral message where there is none. */
export function replier(
  chat: ChatPort,
  respond: RespondFn | undefined,
  channel: string | undefined,
  user: string,
): Reply {
  return async (msg: { text: string; blocks?: Block[] }) => {
    if (respond) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: msg.text,
        blocks: msg.blocks as never,
      });
    } else if (channel) {
      await chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks });
    }
  };
}

/** A DomainError's plain-text message as the mrkdwn of a refusal (escaped, ids mentioned). */
export function domainErrorText(err: DomainError): string {
  return `:no_entry_sign: ${plainToMrkdwn(err.message)}`;
}

/**
 * Runs one use case for a person: a DomainError becomes a clear ephemeral reply; anything
 * else tells them to retry and is rethrown so it reaches app.error() and the logs.
 */
export async function answering(reply: Reply, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof DomainError) {
      await reply({ text: domainErrorText(err) });
      return;
    }
    await reply({ text: UNAVAILABLE }).catch(() => undefined);
    throw err;
  }
}
