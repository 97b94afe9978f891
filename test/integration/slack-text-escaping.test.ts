import { startStack, storageUnderTest, type Stack } from '../support/stack';

jest.setTimeout(60_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** The texts of a message Slack parses as mrkdwn (plain_text, like the header, is literal). */
function mrkdwnTexts(blocks: unknown): string[] {
  const texts: string[] = [];
  JSON.stringify(blocks ?? [], (_key, value: { type?: unknown; text?: unknown }) => {
    if (value?.type === 'mrkdwn') texts.push(String(value.text));
    return value;
  });
  return texts;
}

/** The reply posted to the command's response_url, as Slack receives it. */
async function replyText(text: string, command = '/incident'): Promise<string> {
  const res = await stack.slash(text, { command });
  expect(res.status).toBe(200);
  return (JSON.parse(await res.reply()) as { text: string }).text;
}

describe(`text the bot sends over signed HTTP (${storageUnderTest()} storage)`, () => {
  it('sends usage placeholders escaped, so Slack shows <P1|P2|P3|P4> instead of a link', async () => {
    for (const typed of ['', 'frobnicate']) {
      const reply = await replyText(typed);
      expect(reply).toContain(
        '`/incident declare &lt;P1|P2|P3|P4&gt; &lt;tenant&gt;[,&lt;tenant&gt;...] &lt;title...&gt;`',
      );
      expect(reply).toContain('&lt;tenant|all&gt;');
      expect(reply).not.toMatch(/<(P1|tenant|commander)\b/);
    }
  });

  it('escapes a hostile title on the card and in the announcement', async () => {
    const title = 'DB <prod> & "replica" <!channel>';
    const reply = await replyText(`declare P2 acme ${title}`);
    const n = Number(/INC-(\d+)/.exec(reply)?.[1]);
    const escaped = 'DB &lt;prod&gt; &amp; "replica" &lt;!channel&gt;';
    const created = await stack.emulator.waitForCall('conversations.create');
    const channel = (created.response as unknown as { channel: { id: string } }).channel.id;
    const card = await stack.emulator.waitFor(() => stack.emulator.messagesIn(channel)[0]);
    expect(card.text).toContain(escaped);
    const announcement = await stack.emulator.waitFor(() =>
      stack.emulator.messagesIn('C0INCIDENTS').find((m) => m.text.includes(`INC-${n}`)),
    );
    expect(announcement.text).toContain(escaped);
    for (const sent of [card.text, ...mrkdwnTexts(card.blocks), announcement.text])
      expect(sent).not.toContain('<!channel>');
    const status = await replyText(`status INC-${n}`);
    expect(status).toContain(escaped);
    expect(status).not.toContain('<!channel>');
  });

  it('answers a slash command it does not serve', async () => {
    expect(await replyText('list', '/tenant')).toContain('Your tenants');
    expect(await replyText('bar', '/foo')).toContain(
      "`/foo` isn't a tenantops command; try `/incident help`, `/tenant list`",
    );
  });
});
