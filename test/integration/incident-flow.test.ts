import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { ALL } from '../support/scopes';

jest.setTimeout(60_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function count(sql: string): Promise<number> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    Number((await c.query<{ n: string }>(sql)).rows[0]?.n),
  );
}

async function timelineOf(n: number): Promise<string[]> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    (
      await c.query<{ kind: string; text: string }>(
        'SELECT kind, text FROM timeline WHERE incident_id = $1 ORDER BY id',
        [n],
      )
    ).rows.map((r) => `${r.kind}: ${r.text}`),
  );
}

describe(`incident lifecycle over signed HTTP (${storageUnderTest()} storage)`, () => {
  let n = 0;

  it('declares a P1 for acme: channel created, card with buttons, announcement, ephemeral reply', async () => {
    const res = await stack.slash('declare P1 acme Checkout errors for card payments');
    expect(res.status).toBe(200);
    expect(await res.reply()).toMatch(/Declared \*INC-(\d+)\*/);
    n = Number(/INC-(\d+)/.exec(await res.reply())?.[1]);
    const created = await stack.emulator.waitForCall('conversations.create');
    expect(created.args.name).toBe(`inc-${n}-checkout-errors-for-card-payments`);
    const channel = (created.response as unknown as { channel: { id: string } }).channel.id;
    const card = await stack.emulator.waitFor(() => stack.emulator.messagesIn(channel)[0]);
    expect(JSON.stringify(card.blocks)).toContain('Acknowledge');
    expect(JSON.stringify(card.blocks)).toContain('Post update');
    const invited = await stack.emulator.waitForCall('conversations.invite');
    expect(String(invited.args.users)).toContain('U0ALICE');
    await stack.emulator.waitFor(() =>
      stack.emulator.messagesIn('C0INCIDENTS').find((m) => m.text.includes(`INC-${n}`)),
    );
  });

  it('acknowledges, posts a masked update, and shows the timeline in status', async () => {
    expect(await (await stack.slash(`ack INC-${n}`)).reply()).toContain(`Acknowledged INC-${n}`);
    const upd = await stack.slash(
      `update INC-${n} Provider failing over; customer jane.doe@example.com called +34 612 345 678`,
    );
    expect(await upd.reply()).toContain('Update posted');
    const status = await (await stack.slash(`status INC-${n}`)).reply();
    expect(status).toContain('acknowledged');
    expect(status).toContain('Provider failing over');
    expect(status).not.toContain('jane.doe@example.com');
    const timeline = await timelineOf(n);
    expect(timeline.join('\n')).not.toMatch(/jane\.doe|612 345 678/);
    expect(timeline.map((t) => t.split(':')[0])).toEqual(['declared', 'acknowledged', 'update']);
  });

  it('refuses the wrong role with a clear message and writes the refusal to the audit log', async () => {
    const before = await count(`SELECT count(*) AS n FROM audit_log WHERE outcome = 'denied'`);
    const reply = await (
      await stack.slash(`resolve INC-${n} not mine to resolve`, { user: 'U0CAROL' })
    ).reply();
    expect(reply).toContain("You can't resolve");
    expect(reply).toContain('commander');
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE outcome = 'denied'`)).toBe(
      before + 1,
    );
    expect((await timelineOf(n)).some((t) => t.startsWith('resolved'))).toBe(false);
  });

  it("hides acme's incident from an operator who only works on globex", async () => {
    const reply = await (await stack.slash(`ack INC-${n}`, { user: 'U0DAVE' })).reply();
    expect(reply).toContain(`INC-${n} doesn't exist or isn't on a tenant you have a role for`);
  });

  it('answers bad input with usage and writes nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM incidents');
    expect(await (await stack.slash('declare P1 nosuchtenant Broken')).reply()).toContain(
      'Unknown tenant `nosuchtenant`',
    );
    expect(await (await stack.slash('declare P9 acme Broken')).reply()).toContain('not a severity');
    expect(await (await stack.slash('frobnicate')).reply()).toContain("I don't know `frobnicate`");
    expect(await (await stack.slash('')).reply()).toContain('Tell me what to do');
    expect(await count('SELECT count(*) AS n FROM incidents')).toBe(before);
  });

  it('rejects a bad or stale signature with 401 and processes nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM incidents');
    expect(
      (await stack.slash('declare P1 acme Forged', { sign: { corruptSignature: true } })).status,
    ).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 6 * 60;
    expect(
      (await stack.slash('declare P1 acme Replayed', { sign: { timestamp: stale } })).status,
    ).toBe(401);
    expect(await count('SELECT count(*) AS n FROM incidents')).toBe(before);
  });

  it('resolves, updates the card without buttons, and refuses further commands', async () => {
    expect(
      await (await stack.slash(`resolve INC-${n} Failed over to the secondary provider`)).reply(),
    ).toContain('resolved');
    const card = await stack.emulator.waitFor(() =>
      stack.emulator
        .callsTo('chat.update')
        .find((c) => JSON.stringify(c.args.blocks).includes('resolved')),
    );
    expect(JSON.stringify(card.args.blocks)).not.toContain('Acknowledge');
    expect(await (await stack.slash(`update INC-${n} more`)).reply()).toContain('is resolved');
    expect((await timelineOf(n)).map((t) => t.split(':')[0])).toEqual([
      'declared',
      'acknowledged',
      'update',
      'resolved',
    ]);
  });

  it('acknowledges from the card button', async () => {
    const declared = await (await stack.slash('declare P2 globex Search is slow')).reply();
    const m = Number(/INC-(\d+)/.exec(declared)?.[1]);
    const click = await stack.click('incident_ack', String(m));
    expect(click.status).toBe(200);
    expect(await click.reply()).toContain(`Acknowledged INC-${m}`);
    expect((await timelineOf(m)).map((t) => t.split(':')[0])).toEqual(['declared', 'acknowledged']);
  });
});
