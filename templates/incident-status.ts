import type { Block } from '../src/ports/chat';
import { incidentRef, type Incident, type TimelineEntry } from '../src/domain/incidents/incident';
import { escapeMrkdwn, mention, plainToMrkdwn } from './mrkdwn';
import { utcMinute } from './time-format';

const MAX_TIMELINE = 15;
const MAX_SECTION = 2900;

/** Cuts mrkdwn to Slack's section limit without leaving half an entity or `<…>` token. */
function clip(text: string): string {
  return text.length <= MAX_SECTION
    ? text
    : text.slice(0, MAX_SECTION).replace(/&[a-z]{0,3}$|<[^>]*$/, '');
}

/** `/incident status`: the incident's facts and its latest timeline entries. */
export function renderIncidentStatus(
  incident: Incident,
  timeline: TimelineEntry[],
  extra: string[] = [],
): { text: string; blocks: Block[] } {
  const ref = incidentRef(incident.number);
  const head = `*${ref}* · ${incident.severity} · ${incident.state} · ${plainToMrkdwn(incident.title)}\nTenants: ${escapeMrkdwn(incident.tenants.join(', '))}`;
  const shown = timeline.slice(-MAX_TIMELINE);
  const lines = shown.map(
    (e) => `• ${utcMinute(e.at)} ${e.actor ? `${mention(e.actor)} ` : ''}${plainToMrkdwn(e.text)}`,
  );
  const more =
    timeline.length > shown.length ? `_(${timeline.length - shown.length} earlier entries)_\n` : '';
  const body = `*Timeline*\n${more}${lines.join('\n') || '_empty_'}`;
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: head } },
    ...extra.map((e) => ({ type: 'section', text: { type: 'mrkdwn', text: e } })),
    { type: 'section', text: { type: 'mrkdwn', text: clip(body) } },
  ];
  return { text: [head, ...extra, body].join('\n'), blocks };
}

export function renderIncidentList(incidents: Incident[], tenant?: string): { text: string } {
  const which = tenant === undefined ? undefined : escapeMrkdwn(tenant);
  if (incidents.length === 0)
    return { text: which ? `No incidents for ${which}.` : 'No open incidents on your tenants.' };
  const title = which ? `Incidents for ${which}:` : 'Open incidents on your tenants:';
  const lines = incidents.map(
    (i) =>
      `• *${incidentRef(i.number)}* ${i.severity} ${i.state} — ${plainToMrkdwn(i.title)} (${escapeMrkdwn(i.tenants.join(', '))})`,
  );
  return { text: [title, ...lines].join('\n') };
}
