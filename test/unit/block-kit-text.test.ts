import { blockKitToText, mrkdwnToText } from '../../src/adapters/console/block-kit-text';

const plain = (text: string) => ({ type: 'plain_text', text });
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });

describe('mrkdwnToText', () => {
  it.each([
    ['<@U123>', '@U123'],
    ['<@U123|alice>', '@alice'],
    ['<#C1|incidents>', '#incidents'],
    ['<#C1>', '#C1'],
    ['<#C1|>', '#C1'],
    ['<!here> and <!channel>', '@here and @channel'],
    ['<!subteam^S1|@oncall>', '@oncall'],
    ['<!date^1392734382^{date_short}|Feb 18, 2014>', 'Feb 18, 2014'],
    [
      'see <https://x.test/a?b=1&amp;c=2|the runbook>',
      'see the runbook (https://x.test/a?b=1&c=2)',
    ],
    ['<https://x.test>', 'https://x.test'],
    ['<https://x.test|https://x.test>', 'https://x.test'],
    ['<mailto:sre@x.test|sre@x.test>', 'sre@x.test'],
    ['p99 &gt; 2 s &amp;&amp; 5xx &lt; 1 %', 'p99 > 2 s && 5xx < 1 %'],
    ['*bold* _italic_ ~gone~ `code`', '*bold* _italic_ ~gone~ `code`'],
  ])('renders %j as %j', (input, expected) => {
    expect(mrkdwnToText(input)).toBe(expected);
  });

  it('does not unescape twice', () => {
    expect(mrkdwnToText('&amp;lt;')).toBe('&lt;');
  });
});

describe('blockKitToText', () => {
  it('renders an incident card: header, section with fields, context, divider, actions', () => {
    const blocks = [
      { type: 'header', text: plain('INC-4 Checkout down') },
      {
        type: 'section',
        text: mrkdwn('*Severity* P1 for <#C9|acme-prod>, commander <@U42>'),
        fields: [mrkdwn('*Tenant*\nacme'), mrkdwn('*Status*\ninvestigating')],
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
        'INC-4 Checkout down',
        '===================',
        '*Severity* P1 for #acme-prod, commander @U42',
        '*Tenant* acme',
        '*Status* investigating',
        'Declared by @bob  12:00 UTC',
        '-'.repeat(40),
        '[Acknowledge] [Post update] [Severity v]',
      ].join('\n'),
    );
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

  it('renders rich text sections, lists, quotes and preformatted code', () => {
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
    expect(blockKitToText(blocks)).toBe(
      [
        'Paused *writes* for @U7 :warning: dash (https://x.test)',
        '1. snapshot',
        '2. validate',
        '> customer says hi',
        '```',
        'SELECT 1;',
        '```',
      ].join('\n'),
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
