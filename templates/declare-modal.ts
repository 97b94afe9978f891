import type { Block } from '../src/ports/chat';

export const DECLARE_CALLBACK_ID = 'incident_declare_modal';
export const DECLARE_FIELDS = { severity: 'severity', tenants: 'tenants', title: 'title' } as const;

// Slack's static selects take at most 100 options; past that the form takes typed ids.
const MAX_OPTIONS = 100;

/**
 * The modal `/incident declare` opens when given no arguments: the tenants offered are the
 * ones the person holds a role on (typed ids only when there are too many to list).
 */
export function renderDeclareModal(
  channel: string | undefined,
  tenants: readonly { id: string; name: string }[],
): Block {
  const input = (id: string, label: string, element: Block): Block => ({
    type: 'input',
    block_id: id,
    label: { type: 'plain_text', text: label },
    element: { ...element, action_id: id },
  });
  const option = (v: string): Block => ({ text: { type: 'plain_text', text: v }, value: v });
  return {
    type: 'modal',
    callback_id: DECLARE_CALLBACK_ID,
    private_metadata: JSON.stringify({ channel: channel ?? null }),
    title: { type: 'plain_text', text: 'Declare an incident' },
    submit: { type: 'plain_text', text: 'Declare' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      input(DECLARE_FIELDS.severity, 'Severity', {
        type: 'static_select',
        options: ['P1', 'P2', 'P3', 'P4'].map(option),
        initial_option: option('P2'),
      }),
      tenants.length > 0 && tenants.length <= MAX_OPTIONS
        ? input(DECLARE_FIELDS.tenants, 'Affected tenants', {
            type: 'multi_static_select',
            placeholder: { type: 'plain_text', text: 'Tenants you work on' },
            options: tenants.map((t) => ({
              text: { type: 'plain_text', text: `${t.name} (${t.id})`.slice(0, 75) },
              value: t.id,
            })),
          })
        : input(DECLARE_FIELDS.tenants, 'Affected tenants (comma-separated ids)', {
            type: 'plain_text_input',
            placeholder: { type: 'plain_text', text: 'acme,globex' },
          }),
      input(DECLARE_FIELDS.title, 'Title', { type: 'plain_text_input', max_length: 150 }),
    ],
  };
}

export function renderUpdateModal(incidentNumber: number): Block {
  return {
    type: 'modal',
    callback_id: 'incident_update_modal',
    private_metadata: JSON.stringify({ incident: incidentNumber }),
    title: { type: 'plain_text', text: `Update INC-${incidentNumber}` },
    submit: { type: 'plain_text', text: 'Post' },
    blocks: [
      {
        type: 'input',
        block_id: 'text',
        label: { type: 'plain_text', text: 'Update for customers and responders' },
        element: { type: 'plain_text_input', action_id: 'text', multiline: true },
      },
    ],
  };
}

export function renderResolveModal(incidentNumber: number): Block {
  return {
    type: 'modal',
    callback_id: 'incident_resolve_modal',
    private_metadata: JSON.stringify({ incident: incidentNumber }),
    title: { type: 'plain_text', text: `Resolve INC-${incidentNumber}` },
    submit: { type: 'plain_text', text: 'Resolve' },
    blocks: [
      {
        type: 'input',
        block_id: 'summary',
        label: { type: 'plain_text', text: 'Resolution summary' },
        element: { type: 'plain_text_input', action_id: 'summary', multiline: true },
      },
    ],
  };
}
