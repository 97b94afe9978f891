import { blockKitToText } from '../../src/adapters/console/block-kit-text';
import { DomainError } from '../../src/domain/errors';
import { INCIDENT_USAGE } from '../../src/domain/incidents/incident-command';
import type { Incident, TimelineEntry } from '../../src/domain/incidents/incident';
import type { Block } from '../../src/ports/chat';
import { answering } from '../../commands/command-support';
import { renderDeliveryFailures } from '../../templates/delivery-failures';
import { renderIncidentCard } from '../../templates/incident-card';
import { renderIncidentHelp } from '../../templates/incident-help';
import { renderIncidentList, renderIncidentStatus } from '../../templates/incident-status';
import { escapeMrkdwn, plainToMrkdwn, slackTextToPlain } from '../../templates/mrkdwn';

const HOSTILE_TITLE = 'DB <prod> & "replica" <!channel>';
const HOSTILE_UPDATE = '<!here> failover to <https://evil.test|the status page> &amp; more';
// A broadcast, or a link whose label hides its address, as Slack would read the mrkdwn.
const INJECTED = /<!(channel|here|everyone)\b|<https?:/;

const incident: Incident = {
  number: 7,
  title: HOSTILE_TITLE,
  severity: 'P1',
  state: 'resolved',
  tenants: ['acme'],
  security: false,
  channelId: 'C0INC7',
  threadTs: null,
  cardTs: '1.1',
  declaredBy: 'U0ALICE',
  declaredAt: new Date('2026-03-10T10:00:00Z'),
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: new Date('2026-03-10T11:00:00Z'),
  summary: 'Restarted <!everyone> & @U0BOB checked',
  roles: { commander: 'U0ALICE' },
};

const timeline: TimelineEntry[] = [
  { at: incident.declaredAt, actor: 'U0ALICE', kind: 'declared', text: 'declared', tenants: [] },
  { at: incident.declaredAt, actor: 'U0CAROL', kind: 'update', text: HOSTILE_UPDATE, tenants: [] },
];

/** Every string Slack would parse as mrkdwn in a message: its text and its mrkdwn objects. */
function mrkdwnOf(message: { text: string; blocks?: Block[] }): string {
  const parts = [message.text];
  JSON.stringify(message.blocks ?? [], (key, value: unknown) => {
    if (value && typeof value === 'object' && (value as Block).type === 'mrkdwn')
      parts.push(String((value as Block).text));
    return value;
  });
  return parts.join('\n');
}

describe('/incident help through the Block Kit renderer', () => {
  it('shows every usage line literally, placeholders included', () => {
    const shown = blockKitToText(undefined, renderIncidentHelp().text);
    expect(shown).toContain('/incident declare <P1|P2|P3|P4> <tenant>[,<tenant>...] <title...>');
    expect(shown).toContain('/incident notified [INC-n] <tenant|all>');
    expect(shown).toContain('/incident role [INC-n] <commander|comms|scribe> <@user>');
    for (const line of INCIDENT_USAGE.split('\n')) expect(shown).toContain(line.replace(/`/g, ''));
  });

  it('would be misread as links unescaped, as Slack showed it', () => {
    // The bug this guards against: Slack reads <P1|P2|P3|P4> as a link labelled "P2|P3|P4".
    expect(blockKitToText(undefined, INCIDENT_USAGE)).toContain('P2|P3|P4 (P1)');
    expect(renderIncidentHelp().text).toContain('&lt;P1|P2|P3|P4&gt;');
  });
});

describe('user text in templates reads literally and cannot broadcast', () => {
  it('status: title and timeline text shown as typed; mentions stay mentions', () => {
    const status = renderIncidentStatus(incident, timeline, ['*SLA clocks*\n• none']);
    expect(mrkdwnOf(status)).not.toMatch(INJECTED);
    const shown = blockKitToText(status.blocks, status.text);
    expect(shown).toContain(`INC-7 · P1 · resolved · ${HOSTILE_TITLE}`);
    expect(shown).toContain(
      '@U0CAROL <!here> failover to <https://evil.test|the status page> &amp; more',
    );
    expect(shown).toContain('@U0ALICE declared');
    expect(shown).toContain('SLA clocks');
  });

  it('card: the notification text, the fields and the resolution are escaped', () => {
    const card = renderIncidentCard(incident);
    expect(mrkdwnOf(card)).not.toMatch(INJECTED);
    expect(card.text).toContain('DB &lt;prod&gt; &amp; "replica" &lt;!channel&gt;');
    const shown = blockKitToText(card.blocks, card.text);
    expect(shown).toContain(`INC-7 · P1 · ${HOSTILE_TITLE}`);
    expect(shown).toContain('Resolution: Restarted <!everyone> & @U0BOB checked');
    // The plain `@U0BOB` of the core becomes a real mention in Slack.
    expect(mrkdwnOf(card)).toContain('<@U0BOB>');
  });

  it('list: titles escaped', () => {
    const list = renderIncidentList([incident], 'acme');
    expect(mrkdwnOf(list)).not.toMatch(INJECTED);
    expect(blockKitToText(undefined, list.text)).toContain(HOSTILE_TITLE);
  });

  it('delivery failures: the error text is escaped', () => {
    const [line = ''] = renderDeliveryFailures(
      [
        {
          failedAt: new Date('2026-03-10T10:00:00Z'),
          method: 'chat.postMessage',
          error: '<!here> & x',
        },
      ],
      1,
    );
    expect(line).not.toMatch(INJECTED);
    expect(blockKitToText(undefined, line)).toContain('10:00Z: <!here> & x');
  });
});

describe('DomainError messages are plain text, turned into mrkdwn at the edge', () => {
  it('escapes them and mentions plain @U ids', async () => {
    const replies: string[] = [];
    await answering(
      async (m) => {
        replies.push(m.text);
        return Promise.resolve();
      },
      () => {
        throw new DomainError('x', 'Unknown tenant `<!here>`; ask @U0BOB. Usage: `<tenant|all>`');
      },
    );
    expect(replies).toEqual([
      ':no_entry_sign: Unknown tenant `&lt;!here&gt;`; ask <@U0BOB>. Usage: `&lt;tenant|all&gt;`',
    ]);
  });
});

describe('mrkdwn helpers', () => {
  it.each([
    ['a & b < c > d', 'a &amp; b &lt; c &gt; d'],
    ['&lt; already', '&amp;lt; already'],
  ])('escapeMrkdwn(%j) = %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it.each([
    ['ping @U0ALICE in #C0INCIDENTS', 'ping <@U0ALICE> in <#C0INCIDENTS>'],
    ['mail bob@U0ALICE.test, issue #C0X', 'mail bob@U0ALICE.test, issue <#C0X>'],
    ['<!channel> <https://evil.test|bank>', '&lt;!channel&gt; &lt;https://evil.test|bank&gt;'],
  ])('plainToMrkdwn(%j) = %j', (input, expected) => {
    expect(plainToMrkdwn(input)).toBe(expected);
  });

  it.each([
    ['DB &lt;prod&gt; &amp;amp; co', 'DB <prod> &amp; co'],
    ['ask <@U0BOB|bob> in <#C0ABC|incidents>', 'ask @U0BOB in #C0ABC'],
    ['<!channel> <!here|here> <!subteam^S1|@oncall>', '@channel @here @oncall'],
    [
      'see <https://x.test|docs> or <https://y.test>',
      'see docs (https://x.test) or https://y.test',
    ],
    ['<mailto:a@x.test|a@x.test>', 'a@x.test'],
    ['due <!date^1700000000^{date}|Nov 14>', 'due Nov 14'],
  ])('slackTextToPlain(%j) = %j', (input, expected) => {
    expect(slackTextToPlain(input)).toBe(expected);
  });

  it('round-trips typed text: Slack in, plain core, Slack out', () => {
    const typed = 'DB &lt;prod&gt; down, <@U0BOB|bob> on it <!channel>';
    expect(plainToMrkdwn(slackTextToPlain(typed))).toBe(
      'DB &lt;prod&gt; down, <@U0BOB> on it @channel',
    );
  });
});
