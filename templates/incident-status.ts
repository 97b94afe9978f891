import type { Block } from '../src/ports/chat';
import { incidentRef, type Incident, type TimelineEntry } from '../src/domain/incidents/incident';
import { utcMinute } from './time-format';

const MAX_TIMELINE = 15;

/** `/incident status`: the incident's facts and its latest timeline entries. */
export function renderIncidentStatus(
  incident: Incident,
  timeline: TimelineEntry[],
  extra: string[] = [],
): { text: string; blocks: Block[] } {
  const ref = incidentRef(incident.number);
  const head = `*${ref}* · ${incident.severity} · ${incident.state} · ${incident.title}\nTenants: ${incident.tenants.join(', ')}`;
  const shown = timeline.slice(-MAX_TIMELINE);
  const lines = shown.map(
    (e) => `• ${utcMinute(e.at)} ${e.actor ? `<@${e.actor}> ` : ''}${e.text}`,
  );
  const more =
    timeline.length > shown.length ? `_(${timeline.length - shown.length} earlier entries)_\n` : '';
  const body = `*Timeline*\n${more}${lines.join('\n') || '_empty_'}`;
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...extra.map((e) => ({ type: 'section', text: { type: 'mrkdwn', text: e } })),
    { type: 'section', text: { type: 'mrkdwn', text: body.slice(0, 2900) } },
  ];
  return { text: [head, ...extra, body].join('\n'), blocks };
}

export function renderIncidentList(incidents: Incident[], tenant?: string): { text: string } {
  if (incidents.length === 0)
    return { text: tenant ? `No incidents for ${tenant}.` : 'No open incidents on your tenants.' };
  const title = tenant ? `Incidents for ${tenant}:` : 'Open incidents on your tenants:';
  const lines = incidents.map(
    (i) =>
      `• *${incidentRef(i.number)}* ${i.severity} ${i.state} — ${i.title} (${i.tenants.join(', ')})`,
  );
  return { text: [title, ...lines].join('\n') };
}
