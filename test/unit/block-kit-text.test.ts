import { blockKitToText, mrkdwnToText } from '../../src/adapters/console/block-kit-text';
import { ANSI_STYLE } from '../../src/adapters/console/text-style';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
// 2026-03-10T14:05:30Z, a Tuesday; "now" is the same day at 16:00Z.
const TS = Date.UTC(2026, 2, 10, 14, 5, 30) / 1000;
const date = { now: new Date(Date.UTC(2026, 2, 10, 16)), timeZone: 'UTC' };

describe('mrkdwnToText: mentions, links and entities', () => {
  it.each([
    ['<@U123>', '@U123'],
    ['<@U123|alice>', '@alice'],
    ['<#C1|incidents>', '#incidents'],
    ['<#C1>', '#C1'],
    ['<#C1|>', '#C1'],
    ['<!here> and <!channel>', '@here and @channel'],
    ['<!subteam^S1|@oncall>', '@oncall'],
    [
      'see <https://x.test/a?b=1&amp;c=2|the runbook>',
      'see the runbook (https://x.test/a?b=1&c=2)',
    ],
    ['<https://x.test>', 'https://x.test'],
    ['<https://x.test|https://x.test>', 'https://x.test'],
    ['<mailto:sre@x.test|sre@x.test>', 'sre@x.test'],
    ['p99 &gt; 2 s &amp;&amp; 5xx &lt; 1 %', 'p99 > 2 s && 5xx < 1 %'],
    ['`&lt;P1|P2&gt;`', '<P1|P2>'],
  ])('renders %j as %j', (input, expected) => {
    expect(mrkdwnToText(input)).toBe(expected);
  });

  it('does not unescape twice, nor read escaped text as markup', () => {
    expect(mrkdwnToText('&amp;lt;')).toBe('&lt;');
    expect(mrkdwnToText('&lt;!channel&gt; &lt;https://evil.test|bank&gt;')).toBe(
      '<!channel> <https://evil.test|bank>',
    );
  });

  it('names channels the console knows', () => {
    const channelName = (id: string) => (id === 'C0INC1' ? 'inc-1-db-down' : id);
    expect(mrkdwnToText('work in <#C0INC1> or <#C0OTHER>', { channelName })).toBe(
      'work in #inc-1-db-down or #C0OTHER',
    );
  });
});

describe('mrkdwnToText: emphasis as Slack reads it', () => {
  it.each([
    ['*bold* _italic_ ~gone~ `code`', 'bold italic gone code'],
    ['*State:*\nacknowledged', 'State:\nacknowledged'],
    ['*_both_*', 'both'],
    ['*<@U1>* is _unassigned_', '@U1 is unassigned'],
    // Not emphasis: inside words, around spaces, or a lone marker.
    ['snake_case_name and 2*3*4', 'snake_case_name and 2*3*4'],
    ['a * b * c', 'a * b * c'],
    ['*not closed', '*not closed'],
    ['`*literal* _here_`', '*literal* _here_'],
  ])('renders %j as %j on a pipe (no markers left)', (input, expected) => {
    expect(mrkdwnToText(input)).toBe(expected);
  });

  it('uses ANSI styles on a terminal', () => {
    expect(mrkdwnToText('*b* _i_ ~s~ `c`', { style: ANSI_STYLE })).toBe(
      '\x1b[1mb\x1b[22m \x1b[3mi\x1b[23m \x1b[9ms\x1b[29m \x1b[36mc\x1b[39m',
    );
    expect(mrkdwnToText('*_both_*', { style: ANSI_STYLE })).toBe(
      '\x1b[1m\x1b[3mboth\x1b[23m\x1b[22m',
    );
  });

  it('renders ``` blocks without formatting inside, and > quotes', () => {
    const text = 'Plan:\n```\nSELECT *a* FROM t WHERE x &lt; 2;\n```\n&gt; customer _said_ hi\nend';
    expect(mrkdwnToText(text)).toBe(
      ['Plan:', '    SELECT *a* FROM t WHERE x < 2;', '│ customer said hi', 'end'].join('\n'),
    );
    expect(mrkdwnToText('```one```', { style: ANSI_STYLE })).toBe('  \x1b[36mone\x1b[39m');
  });

  it('quotes the rest of the message after >>>', () => {
    expect(mrkdwnToText('said:\n&gt;&gt;&gt;line one\nline two')).toBe(
      'said:\n│ line one\n│ line two',
    );
  });
});

describe('mrkdwnToText: emoji from the emoji-datasource table', () => {
  it.each([
    [':red_circle: declared', '🔴 declared'],
    [':large_green_circle: on time · :white_check_mark: met', '🟢 on time · ✅ met'],
    [':warning: :lock: :rotating_light:', '⚠️ 🔒 🚨'],
    [':+1: :thumbsup:', '👍 👍'],
    // Unknown codes, skin tones and clock times stay as written.
    [':no_such_emoji: at 14:05:30', ':no_such_emoji: at 14:05:30'],
    [':+1::skin-tone-3:', ':+1::skin-tone-3:'],
    [':skin-tone-2:', ':skin-tone-2:'],
  ])('renders %j as %j', (input, expected) => {
    expect(mrkdwnToText(input)).toBe(expected);
  });

  it('keeps underscores of emoji names out of italics', () => {
    expect(mrkdwnToText(':large_orange_circle: _x_ :large_yellow_circle:')).toBe('🟠 x 🟡');
  });
});

describe('mrkdwnToText: dates', () => {
  it.each([
    ['{date_num} {time}', '2026-03-10 14:05'],
    ['{date_short_pretty} {time_secs}', 'today 14:05:30'],
    ['{date_short}', 'Mar 10, 2026'],
    ['{date_long}', 'Tuesday, March 10th, 2026'],
    ['{date_long_full}', 'March 10, 2026'],
    ['{date}', 'March 10'],
    ['{ago}', '1 hour ago'],
    ['due {date_pretty}', 'due today'],
  ])('formats <!date^…^%s|…> as %j', (format, expected) => {
    expect(mrkdwnToText(`<!date^${TS}^${format}|fallback>`, { date })).toBe(expected);
  });

  it('says yesterday/tomorrow, and falls back on unknown tokens', () => {
    const day = 86_400;
    expect(mrkdwnToText(`<!date^${TS - day}^{date_short_pretty}|x>`, { date })).toBe('yesterday');
    expect(mrkdwnToText(`<!date^${TS + day}^{date_long_pretty}|x>`, { date })).toBe('tomorrow');
    expect(mrkdwnToText(`<!date^${TS}^{nonsense}|2026-03-10T14:05Z>`, { date })).toBe(
      '2026-03-10T14:05Z',
    );
    expect(mrkdwnToText('<!date^soon^{date}|whenever>', { date })).toBe('whenever');
  });

  it('uses the given time zone', () => {
    const madrid = { ...date, timeZone: 'Europe/Madrid' };
    expect(mrkdwnToText(`<!date^${TS}^{time}|x>`, { date: madrid })).toBe('15:05');
  });
});

describe('blockKitToText', () => {
  it('renders an incident card: header, section with fields, context, divider, actions', () => {
    const blocks = [
      { type: 'header', text: plain('INC-4 Checkout down :fire:') },
      {
        type: 'section',
        text: mrkdwn('*Severity* P1 for <#C9|acme-prod>, commander <@U42>'),
        fields: [mrkdwn('*Tenant*\nacme'), mrkdwn('*Status*\n:red_circle: investigating')],
      },
      { type: 'context', elements: [mrkdwn('Declared by <@U1|bob>'), plain('12:00 UTC')] },
      { type: 'divider' },
      {
        type: 'actions',
        elements: [
          { type: 'button', text: plain('Acknowledge'), action_id: 'ack' },
          { type: 'button', text: plain('Post update'), action_id: 'update' },
          { type: 'static_select', placeholder: plain('Severity'), action_id: 'sev' },
        ],
      },
    ];
    expect(blockKitToText(blocks, 'ignored fallback')).toBe(
      [
        'INC-4 Checkout down 🔥',
        '=====================',
        'Severity P1 for #acme-prod, commander @U42',
        'Tenant acme',
        'Status 🔴 investigating',
        'Declared by @bob  12:00 UTC',
        '-'.repeat(40),
        '[Acknowledge] [Post update] [Severity v]',
      ].join('\n'),
    );
  });

  it('takes plain_text literally: no entities decoded, no emphasis', () => {
    const blocks = [{ type: 'section', text: plain('DB <prod> &amp; *raw*') }];
    expect(blockKitToText(blocks)).toBe('DB <prod> &amp; *raw*');
  });

  it('shows a section accessory next to its text', () => {
    const blocks = [
      {
        type: 'section',
        text: mrkdwn('Restore acme'),
        accessory: { type: 'button', text: plain('Run') },
      },
    ];
    expect(blockKitToText(blocks)).toBe('Restore acme  [Run]');
  });

  it('renders rich text sections, lists, quotes, preformatted code and dates', () => {
    const blocks = [
      {
        type: 'rich_text',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'text', text: 'Paused ', style: {} },
              { type: 'text', text: 'writes', style: { bold: true } },
              { type: 'text', text: ' for ' },
              { type: 'user', user_id: 'U7' },
              { type: 'text', text: ' ' },
              { type: 'emoji', name: 'warning' },
              { type: 'text', text: ' ' },
              { type: 'link', url: 'https://x.test', text: 'dash' },
              { type: 'text', text: ' since ' },
              { type: 'date', timestamp: TS, format: '{time}', fallback: 'earlier' },
            ],
          },
          {
            type: 'rich_text_list',
            style: 'ordered',
            elements: [
              { type: 'rich_text_section', elements: [{ type: 'text', text: 'snapshot' }] },
              { type: 'rich_text_section', elements: [{ type: 'text', text: 'validate' }] },
            ],
          },
          { type: 'rich_text_quote', elements: [{ type: 'text', text: 'customer says hi' }] },
          { type: 'rich_text_preformatted', elements: [{ type: 'text', text: 'SELECT 1;' }] },
        ],
      },
    ];
    expect(blockKitToText(blocks, undefined, { date })).toBe(
      [
        'Paused writes for @U7 ⚠️ dash (https://x.test) since 14:05',
        '1. snapshot',
        '2. validate',
        '│ customer says hi',
        '    SELECT 1;',
      ].join('\n'),
    );
    expect(blockKitToText(blocks, undefined, { date, style: ANSI_STYLE })).toContain(
      'Paused \x1b[1mwrites\x1b[22m for',
    );
  });

  it('shows image alt text and input labels', () => {
    const blocks = [
      { type: 'image', image_url: 'https://x.test/p99.png', alt_text: 'p99 latency graph' },
      {
        type: 'input',
        label: plain('Summary'),
        element: { type: 'plain_text_input', placeholder: plain('What happened?') },
      },
    ];
    expect(blockKitToText(blocks)).toBe('[image: p99 latency graph]\nSummary: [What happened?]');
  });

  it('falls back to the mrkdwn text when there are no blocks', () => {
    expect(blockKitToText(undefined, 'Ping <@U1> &amp; <#C2|ops>')).toBe('Ping @U1 & #ops');
    expect(blockKitToText([], 'plain')).toBe('plain');
    expect(blockKitToText(undefined)).toBe('');
  });

  it('skips unknown or malformed blocks instead of throwing', () => {
    const blocks = [null, 42, { type: 'mystery' }, { type: 'section', text: plain('ok') }];
    expect(blockKitToText(blocks)).toBe('ok');
  });
});
