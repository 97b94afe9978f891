import type { Block } from '../src/ports/chat';
import { runRef, type Run } from '../src/domain/runbooks/runbook';
import type { CommsDraft, RestoreOffer } from '../src/ports/runbook-notices';
import { escapeMrkdwn as esc, mention } from './mrkdwn';

/** The button that starts the `tenant-restore` a leak response or corruption run offers. */
export const RESTORE_OFFER_ACTION = 'runbook_offer_restore';

/** What the offer's button carries: the tenant, and the incident the restore would belong to. */
export function restoreOfferValue(tenant: string, incident: number | null): string {
  return incident ? `${tenant} INC-${incident}` : tenant;
}

/** A draft for the comms role, plainly marked as one: no customer sees it unless a person sends it. */
export function renderCommsDraft(run: Run, draft: CommsDraft): string {
  const who = draft.comms.length ? draft.comms.map(mention).join(' ') : 'Comms lead';
  const quoted = esc(draft.text)
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  return `:memo: ${who}: *DRAFT — not sent to the customer* · ${esc(draft.title)} for *${esc(run.tenant)}* (from *${runRef(run.number)}* ${run.runbook}). Review it and send it yourself if it fits:\n${quoted}`;
}

/** Altered data found: what, and a button (or the command) starting a restore of the tenant. */
export function renderRestoreOffer(
  run: Run,
  offer: RestoreOffer,
): { text: string; blocks: Block[] } {
  const command = `/runbook run tenant-restore ${run.tenant}${offer.incident ? ` incident=INC-${offer.incident}` : ''}`;
  const found = offer.findings
    .slice(0, 10)
    .map((f) => `• ${esc(f)}`)
    .join('\n');
  const more = offer.findings.length > 10 ? `\n…and ${offer.findings.length - 10} more` : '';
  const text = `:rewind: *${runRef(run.number)}* found altered data on *${esc(run.tenant)}*:\n${found}${more}\nRestore the tenant from its newest backup? The restore pauses writes and waits for an approver before it swaps. Or: \`${command}\``;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: RESTORE_OFFER_ACTION,
            text: { type: 'plain_text', text: `Start tenant-restore of ${run.tenant}` },
            value: restoreOfferValue(run.tenant, offer.incident),
          },
        ],
      },
    ],
  };
}
