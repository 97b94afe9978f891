import { deliveryOf, SlackDelivery } from '../../src/adapters/queue/slack-delivery';
import type { ChatPort } from '../../src/ports/chat';
import { startStack, storageUnderTest, type Stack } from '../support/stack';
import { rows } from '../support/alert-helpers';

jest.setTimeout(120_000);

let stack: Stack;
let chat: ChatPort;

beforeAll(async () => {
  stack = await startStack({ slackRateLimit: { perSecond: 1, burst: 3 } });
  // A second producer on the runtime's queue and database: its jobs run on the runtime's worker.
  const unused = new Proxy(
    {},
    { get: () => () => Promise.reject(new Error('producer side only')) },
  ) as ChatPort;
  chat = new SlackDelivery(unused, stack.runtime.queues, stack.runtime.storage.db).chat;
});

afterAll(async () => {
  await stack?.stop();
});

const posts = (channel: string) =>
  stack.emulator.callsTo('chat.postMessage').filter((c) => c.args.channel === channel);
const failures = () =>
  rows<{ method: string; error: string }>(stack, 'SELECT method, error FROM slack_failures');

describe(`Slack delivery pipeline (${storageUnderTest()} storage, emulator rate limit 1/s burst 3)`, () => {
  it('delivers a burst to one channel in order, under the rate limit, without stalling another channel', async () => {
    const started = Date.now();
    const burst = Array.from({ length: 8 }, (_, i) =>
      chat.postMessage({ channel: 'C0BURST', text: `burst ${i + 1}` }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await chat.postMessage({ channel: 'C0OTHER', text: 'meanwhile' });
    await Promise.all(burst);
    // Another channel is not queued behind the burst: it went while the burst was still pacing.
    const accepted = (channel: string) =>
      posts(channel)
        .filter((c) => c.status === 200)
        .map((c) => c.time);
    expect(Math.min(...accepted('C0OTHER'))).toBeLessThan(Math.max(...accepted('C0BURST')));
    // 8 posts at 1/s with a burst of 3: at least 5 intervals between the first and the last.
    expect(
      Math.max(...accepted('C0BURST')) - Math.min(...accepted('C0BURST')),
    ).toBeGreaterThanOrEqual(4500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect(stack.emulator.messagesIn('C0BURST').map((m) => m.text)).toEqual(
      Array.from({ length: 8 }, (_, i) => `burst ${i + 1}`),
    );
    const refused = posts('C0BURST').filter((c) => c.status === 429).length;
    expect(posts('C0BURST').filter((c) => c.status === 200)).toHaveLength(8);
    expect(refused).toBeLessThanOrEqual(1);
    expect(await failures()).toEqual([]);
  });

  it("honours Slack's 429 Retry-After", async () => {
    stack.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    const started = Date.now();
    await chat.postMessage({ channel: 'C0RETRY', text: 'after the wait' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(posts('C0RETRY').map((c) => c.status)).toEqual([429, 200]);
    expect(await failures()).toEqual([]);
  });

  it('retries 5xx with backoff', async () => {
    stack.emulator.failNext('chat.postMessage', { status: 503, count: 2 });
    const posted = await chat.postMessage({ channel: 'C0FLAKY', text: 'eventually' });
    expect(posted.ts).toBeTruthy();
    expect(posts('C0FLAKY').map((c) => c.status)).toEqual([503, 503, 200]);
    expect(stack.emulator.messagesIn('C0FLAKY').map((m) => m.text)).toEqual(['eventually']);
  });

  it('coalesces a burst of edits to one message into few chat.update calls', async () => {
    const { ts } = await chat.postMessage({ channel: 'C0EDIT', text: 'v0' });
    for (let i = 1; i <= 20; i++)
      await chat.updateMessage({ channel: 'C0EDIT', ts, text: `v${i}` });
    await stack.emulator.waitFor(
      () => stack.emulator.messagesIn('C0EDIT').find((m) => m.text === 'v20'),
      10_000,
    );
    // One more edit, later: once it shows, every call for the burst before it has been made.
    await chat.updateMessage({ channel: 'C0EDIT', ts, text: 'after' });
    await stack.emulator.waitFor(
      () => stack.emulator.messagesIn('C0EDIT').find((m) => m.text === 'after'),
      30_000,
    );
    const updates = stack.emulator
      .callsTo('chat.update')
      .filter((c) => c.args.ts === ts && c.args.text !== 'after');
    expect(updates.length).toBeLessThanOrEqual(3);
    expect(updates.at(-1)?.args.text).toBe('v20');
  });

  it('records a call that finally fails and shows it in /incident status', async () => {
    const declared = await (await stack.slash('declare P2 acme Search is slow')).reply();
    const n = Number(/INC-(\d+)/.exec(declared)?.[1]);
    const [incident] = await rows<{ channel_id: string }>(
      stack,
      'SELECT channel_id FROM incidents WHERE id = $1',
      [n],
    );
    const channel = incident?.channel_id as string;
    await stack.emulator.waitFor(() => stack.emulator.messagesIn(channel)[0], 10_000);
    stack.emulator.failNext('chat.postMessage', { error: 'is_archived', channel });
    await expect(chat.postMessage({ channel, text: 'lost in the archive' })).rejects.toThrow(
      'is_archived',
    );
    expect(await failures()).toEqual([{ method: 'chat.postMessage', error: 'is_archived' }]);
    const status = await (await stack.slash(`status INC-${n}`)).reply();
    expect(status).toContain('1 Slack message not delivered');
    expect(status).toContain('is_archived');
  });
});

describe(`Slack delivery recovers (${storageUnderTest()} storage)`, () => {
  it('moves a lane past posts whose queued jobs were lost (a wiped Redis)', async () => {
    const store = deliveryOf(chat)?.store;
    for (let i = 0; i < 5; i++) await store?.allocate('C0LOST');
    // It resolves at all (the test would time out waiting behind the lost posts otherwise).
    await chat.postMessage({ channel: 'C0LOST', text: 'after the loss' });
    expect(stack.emulator.messagesIn('C0LOST').map((m) => m.text)).toEqual(['after the loss']);
  });

  it('delivers into a lane recreated under finished jobs of the old one (a fresh database, Redis kept)', async () => {
    await chat.postMessage({ channel: 'C0EPOCH', text: 'first life' });
    // The lane row goes, as with a new database next to the same Redis: numbering restarts at 1,
    // where the finished job of 'first life' still sits.
    await stack.runtime.storage.db.owner((c) =>
      c.query("DELETE FROM slack_lanes WHERE channel = 'C0EPOCH'"),
    );
    await chat.postMessage({ channel: 'C0EPOCH', text: 'second life' });
    expect(stack.emulator.messagesIn('C0EPOCH').map((m) => m.text)).toEqual([
      'first life',
      'second life',
    ]);
  });

  it('keeps a job of an older lane from moving the lane that replaced it', async () => {
    const store = deliveryOf(chat)?.store;
    if (!store) throw new Error('no delivery store');
    const { epoch } = await store.allocate('C0STALE');
    await expect(store.finish({ channel: 'C0STALE', seq: 9, epoch: 'gone-epoch' })).resolves.toBe(
      undefined,
    );
    expect((await store.lane('C0STALE'))?.doneSeq).toBe(0);
    await store.finish({ channel: 'C0STALE', seq: 1, epoch });
    expect((await store.lane('C0STALE'))?.doneSeq).toBe(1);
  });
});
