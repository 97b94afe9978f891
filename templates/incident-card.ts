import type { Block } from '../src/ports/chat';
import { incidentRef, type Incident } from '../src/domain/incidents/incident';
import { escapeMrkdwn, mention, plainToMrkdwn } from './mrkdwn';

export const ACTION_IDS = {
  acknowledge: 'incident_ack',
  postUpdate: 'incident_post_update',
  resolve: 'incident_resolve',
} as const;

const STATE_EMOJI: Record<Incident['state'], string> = {
  declared: ':red_circle:',
  acknowledged: ':large_orange_circle:',
  mitigated: ':large_yellow_circle:',
  resolved: ':large_green_circle:',
};

function ts(date: Date | null): string {
  return date
    ? `<!date^${Math.floor(date.getTime() / 1000)}^{date_short_pretty} {time}|${date.toISOString()}>`
    : '—';
}

/** The incident card: title, state, severity, tenants, roles, and the three buttons while open. */
export function renderIncidentCard(incident: Incident): { text: string; blocks: Block[] } {
  const ref = incidentRef(incident.number);
  const roles = (['commander', 'comms', 'scribe'] as const)
    .map((r) => {
      const holder = incident.roles[r];
      return `*${r}:* ${holder ? mention(holder) : '_unassigned_'}`;
    })
    .join('   ');
  const tenants = escapeMrkdwn(incident.tenants.join(', '));
  const blocks: Block[] = [
    {
      // plain_text: Slack shows it literally, so the title needs no escaping here.
      type: 'header',
      text: {
        type: 'plain_text',
        text: `${ref} · ${incident.severity} · ${incident.title}`.slice(0, 150),
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*State:*\n${STATE_EMOJI[incident.state]} ${incident.state}` },
        {
          type: 'mrkdwn',
          text: `*Severity:*\n${incident.severity}${incident.security ? ' · :lock: security' : ''}`,
        },
        { type: 'mrkdwn', text: `*Tenants:*\n${tenants}` },
        {
          type: 'mrkdwn',
          text: `*Declared:*\n${ts(incident.declaredAt)} by ${mention(incident.declaredBy)}`,
        },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: roles }] },
  ];
  if (incident.summary) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `*Resolution:* ${plainToMrkdwn(incident.summary)}` },
    });
  }
  if (incident.state !== 'resolved') {
    const value = String(incident.number);
    const buttons: Block[] = [];
    if (incident.state === 'declared') {
      buttons.push({
        type: 'button',
        action_id: ACTION_IDS.acknowledge,
        text: { type: 'plain_text', text: 'Acknowledge' },
        value,
        style: 'primary',
      });
    }
    buttons.push({
      type: 'button',
      action_id: ACTION_IDS.postUpdate,
      text: { type: 'plain_text', text: 'Post update' },
      value,
    });
    buttons.push({
      type: 'button',
      action_id: ACTION_IDS.resolve,
      text: { type: 'plain_text', text: 'Resolve' },
      value,
      style: 'danger',
    });
    blocks.push({ type: 'actions', block_id: `incident_actions_${value}`, elements: buttons });
  }
  return {
    // The notification text is mrkdwn too: a title must not mention @channel or forge a link.
    text: `${ref} [${incident.severity}] ${plainToMrkdwn(incident.title)} — ${incident.state} (${tenants})`,
    blocks,
  };
}
