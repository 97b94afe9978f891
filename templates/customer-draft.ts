import type { Block } from '../src/ports/chat';
import type { CustomerMessage } from '../src/ports/customer-comms';
import { incidentRef } from '../src/domain/incidents/incident';
import { escapeMrkdwn, mention } from './mrkdwn';

export const CUSTOMER_APPROVE_ACTION = 'customer_message_approve';
export const CUSTOMER_EDIT_ACTION = 'customer_message_edit';
export const CUSTOMER_EDIT_CALLBACK = 'customer_message_edit_modal';

/** A customer draft in the tenant's comms channel: the text, who may approve, Approve / Edit. */
export function renderCustomerDraft(
  m: CustomerMessage,
  tenantName: string,
): { text: string; blocks: Block[] } {
  const what = m.kind === 'security_notice' ? 'Security notice' : 'Customer update';
  const ref = incidentRef(m.incident);
  const state =
    m.status === 'sent'
      ? `:white_check_mark: Approved and sent${m.sentBy ? ` by ${mention(m.sentBy)}` : ''}${m.sentAt ? ` at ${m.sentAt.toISOString()}` : ''}.`
      : `:pencil: *Draft* — needs approval by the comms role of ${escapeMrkdwn(tenantName)}${m.editedBy ? ` (edited by ${mention(m.editedBy)})` : ''}.`;
  const head = `*${what} draft* · ${ref} · ${escapeMrkdwn(tenantName)}\n${state}`;
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    { type: 'section', text: { type: 'mrkdwn', text: m.text.slice(0, 2900) } },
  ];
  if (m.status === 'draft')
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          style: 'primary',
          action_id: CUSTOMER_APPROVE_ACTION,
          text: { type: 'plain_text', text: 'Approve' },
          value: String(m.id),
        },
        {
          type: 'button',
          action_id: CUSTOMER_EDIT_ACTION,
          text: { type: 'plain_text', text: 'Edit' },
          value: String(m.id),
        },
      ],
    });
  return { text: `${head}\n${m.text}`, blocks };
}

/** The form to edit a customer draft's text. */
export function renderCustomerEditModal(m: CustomerMessage): Block {
  return {
    type: 'modal',
    callback_id: CUSTOMER_EDIT_CALLBACK,
    private_metadata: String(m.id),
    title: { type: 'plain_text', text: 'Edit customer message' },
    submit: { type: 'plain_text', text: 'Save draft' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'text',
        label: { type: 'plain_text', text: `Message to ${m.tenant}` },
        element: {
          type: 'plain_text_input',
          action_id: 'text',
          multiline: true,
          max_length: 3000,
          initial_value: m.text.slice(0, 3000),
        },
      },
    ],
  };
}
