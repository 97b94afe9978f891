import {
  CHECKLIST_TITLES,
  countStates,
  ITEM_TITLES,
  type Checklist,
  type ItemState,
} from '../src/domain/checklists/checklist';
import type { Block } from '../src/ports/chat';
import type { TenantKeyView } from '../src/app/checklists/tenant-key-view';
import { escapeMrkdwn as esc, mention, plainToMrkdwn } from './mrkdwn';

export const CHECKLIST_CONFIRM_ACTION = 'checklist_confirm';

const ICON: Record<ItemState, string> = {
  pass: ':white_check_mark:',
  fail: ':x:',
  needs_confirmation: ':raised_hand:',
};

export const STATE_TEXT: Record<ItemState, string> = {
  pass: 'pass',
  fail: 'fail',
  needs_confirmation: 'needs confirmation',
};

/** "3 pass, 2 fail, 2 need confirmation". */
export function countsText(c: Checklist): string {
  const n = countStates(c.items);
  return `${n.pass} pass, ${n.fail} fail, ${n.needs_confirmation} need${n.needs_confirmation === 1 ? 's' : ''} confirmation`;
}

/**
 * The checklist's one message, edited in place: every item with pass / fail / needs
 * confirmation and its evidence; a Confirm button (for an approver) on each item a person must
 * confirm; who confirmed what.
 */
export function renderChecklistMessage(c: Checklist): { text: string; blocks: Block[] } {
  const title = `${CHECKLIST_TITLES[c.kind]} #${c.id}`;
  const head = `:clipboard: *${title}* · *${esc(c.tenant)}* · *${STATE_TEXT[c.verdict].toUpperCase()}* (${countsText(c)})\nRun by ${mention(c.requestedBy)} · ${c.createdAt.toISOString()}`;
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: head } }];
  for (const item of c.items) {
    const who = item.confirmedBy
      ? `\n_confirmed by ${mention(item.confirmedBy)} ${item.confirmedAt ?? ''}_`
      : '';
    const text = `${ICON[item.state]} *${ITEM_TITLES[item.id]}* — ${STATE_TEXT[item.state]}\n${plainToMrkdwn(item.evidence).slice(0, 2500)}${who}`;
    const block: Block = { type: 'section', text: { type: 'mrkdwn', text } };
    if (item.state === 'needs_confirmation')
      block.accessory = {
        type: 'button',
        action_id: `${CHECKLIST_CONFIRM_ACTION}:${item.id}`,
        text: { type: 'plain_text', text: 'Confirm' },
        value: `${c.id}:${item.id}`,
      };
    blocks.push(block);
  }
  const lines = c.items.map((i) => `${ITEM_TITLES[i.id]}: ${STATE_TEXT[i.state]}`);
  return {
    text: `${title} ${c.tenant}: ${STATE_TEXT[c.verdict]} (${countsText(c)}) — ${lines.join('; ')}`,
    blocks,
  };
}

/** `/tenant status`: the last checklist of a kind, in one line. */
export function renderChecklistLine(c: Checklist): string {
  return `${CHECKLIST_TITLES[c.kind]} #${c.id} (${c.updatedAt.toISOString()}): *${STATE_TEXT[c.verdict]}* — ${countsText(c)}`;
}

/** `/tenant status`: the tenant's key, its rotation, and the local keyring labelled dev only. */
export function renderKeyLine(v: TenantKeyView): string {
  if (v.kind === 'unavailable')
    return `Key: *unavailable* — ${plainToMrkdwn(v.reason)}${v.backend === 'local-dev' ? ' (local keyring, dev only)' : ''}`;
  const s = v.status;
  const where = `\`${esc(s.keyRef)}\`${s.backend === 'local-dev' ? ' _(local keyring, dev only: not Vault)_' : ''}`;
  const r = v.rotation;
  if (r.state === 'missing')
    return `Key: ${where} does not exist yet (\`/runbook run tenant-key-rotate ${esc(s.tenantId)}\` creates it)`;
  const due =
    r.state === 'due'
      ? `rotation *overdue* since ${r.dueAt.toISOString().slice(0, 10)}`
      : `rotation due ${r.dueAt.toISOString().slice(0, 10)}${r.state === 'warn' ? ' (soon)' : ''}`;
  return `Key: ${where} version ${r.latestVersion}, created ${r.latestCreatedAt.toISOString().slice(0, 10)}; ${due}`;
}
