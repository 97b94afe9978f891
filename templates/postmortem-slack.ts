import type { Block } from '../src/ports/chat';
import type { DraftAnnouncement } from '../src/ports/draft-announcer';
import type { Draft } from '../src/app/postmortem-drafts';
import type { PostmortemStatus } from '../src/app/postmortem-status';
import type { OverduePostmortem } from '../src/ports/postmortem-store';
import { incidentRef } from '../src/domain/incidents/incident';
import { PEOPLE_SECTIONS, type PeopleSections } from '../src/domain/postmortems/people';
import { ZonedFormatter } from '../src/domain/postmortems/zoned-time';
import { escapeMrkdwn, mention, plainToMrkdwn } from './mrkdwn';

export const POSTMORTEM_EDIT_ACTION = 'postmortem_edit_people';
export const POSTMORTEM_PEOPLE_CALLBACK = 'postmortem_people_modal';
/** Slack's plain_text_input limit. */
const MAX_INPUT = 3000;
/** What an ephemeral reply carries of a draft before pointing at the file. */
const MAX_REPLY_DRAFT = 35_000;

export function draftFilename(ref: string, version: number): string {
  return `${ref.toLowerCase()}-postmortem-v${version}.md`;
}

/** The comment the draft file is shared with: version, due date, what is new. */
export function renderDraftAnnouncement(ref: string, a: DraftAnnouncement, zone: string): string {
  const t = new ZonedFormatter(zone);
  const what = a.interim ? '*Interim* post-mortem draft' : 'Post-mortem draft';
  const due = a.dueAt ? ` Due ${t.day(a.dueAt)}.` : '';
  const by = a.by ? ` (by ${mention(a.by)})` : '';
  const news =
    a.whatsNew.length > 0
      ? `\nNew since the previous version: ${a.whatsNew.map(plainToMrkdwn).join(' ')}`
      : '';
  return `:memo: ${what} v${a.version} of *${ref}*${by}.${due} Fill in the people's sections with \`/incident postmortem ${ref}\` → *Edit people's sections*, or upload your edit to \`POST /incidents/${ref}/postmortem.md\`; mark it done with \`/incident postmortem ${ref} done\`.${news}`;
}

/** The ephemeral answer to `/incident postmortem`: what was made, then the draft itself. */
export function renderDraftReply(
  d: Draft,
  zone: string,
): { head: { text: string; blocks: Block[] }; body: string | undefined } {
  const ref = incidentRef(d.incident.number);
  const t = new ZonedFormatter(zone);
  const kind = d.partial
    ? `your tenants' version (${d.incident.tenants.length > 1 ? 'other tenants left out' : 'one tenant'})`
    : d.created
      ? `new version v${d.version}`
      : `v${d.version} (nothing new since)`;
  const lines = [
    `:memo: ${d.interim ? '*Interim* post-mortem' : 'Post-mortem'} draft of *${ref}*: ${kind}.`,
    d.done
      ? `Done ${t.dateTime(d.done.at)}${d.done.by ? ` by ${mention(d.done.by)}` : ''}.`
      : d.dueAt
        ? `Due ${t.day(d.dueAt)}.`
        : 'Due a few business days after resolve (postmortem.dueBusinessDays).',
  ];
  if (d.problem) lines.push(`:warning: Template problem: ${escapeMrkdwn(d.problem)}`);
  const text = lines.join('\n');
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  if (!d.partial)
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: POSTMORTEM_EDIT_ACTION,
          text: { type: 'plain_text', text: "Edit people's sections" },
          value: `${d.incident.number}:${d.version}`,
        },
      ],
    });
  const cut = d.markdown.length > MAX_REPLY_DRAFT;
  const shown = cut
    ? `${d.markdown.slice(0, MAX_REPLY_DRAFT)}\n… (cut: the full draft is the file in the incident channel)`
    : d.markdown;
  // A new full version is in the channel as a file already; otherwise the reader gets it here.
  return { head: { text, blocks }, body: d.created ? undefined : escapeMrkdwn(shown) };
}

/** The post-mortem line of `/incident status`. */
export function renderPostmortemStatus(s: PostmortemStatus, zone: string): string[] {
  const t = new ZonedFormatter(zone);
  const draft =
    s.version > 0
      ? `draft v${s.version} (last change ${t.dateTime(s.updatedAt ?? new Date(0))})`
      : `no draft yet (\`/incident postmortem ${s.ref}\`)`;
  const due = s.done
    ? `:white_check_mark: done ${t.dateTime(s.done.at)}${s.done.by ? ` by ${mention(s.done.by)}` : ''}`
    : s.dueAt
      ? `due ${t.day(s.dueAt)}${s.overdue ? ' · :red_circle: *overdue*' : ''}`
      : s.resolved
        ? 'due date pending'
        : 'due after resolve';
  return [`*Post-mortem* · ${draft} · ${due}`];
}

/** Appended to `/incident list`: post-mortems past due on the actor's tenants. */
export function renderOverdue(list: readonly OverduePostmortem[], zone: string): string {
  if (list.length === 0) return '';
  const t = new ZonedFormatter(zone);
  const lines = list.map(
    (o) =>
      `• *${incidentRef(o.incident)}* post-mortem :red_circle: overdue since ${t.day(o.dueAt)} — ${escapeMrkdwn(o.title)} (${o.tenants.join(', ')})`,
  );
  return ['Post-mortems overdue:', ...lines].join('\n');
}

/** The form for the people's sections (one multi-line input each). */
export function renderPeopleModal(number: number, version: number, people: PeopleSections): Block {
  return {
    type: 'modal',
    callback_id: POSTMORTEM_PEOPLE_CALLBACK,
    private_metadata: JSON.stringify({ incident: number, version }),
    title: { type: 'plain_text', text: `Post-mortem INC-${number}`.slice(0, 24) },
    submit: { type: 'plain_text', text: 'Save' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: PEOPLE_SECTIONS.map((s) => ({
      type: 'input',
      block_id: s.key,
      optional: true,
      label: { type: 'plain_text', text: s.title },
      hint: { type: 'plain_text', text: s.hint.slice(0, 150) },
      element: {
        type: 'plain_text_input',
        action_id: 'text',
        multiline: true,
        max_length: MAX_INPUT,
        ...(people[s.key] ? { initial_value: (people[s.key] ?? '').slice(0, MAX_INPUT) } : {}),
      },
    })),
  };
}
