import { signedEvent, signedInteraction } from '../support/slack-signing';
import {
  DEMO_CONFIG,
  SIGNING_SECRET,
  startStack,
  storageUnderTest,
  type Stack,
} from '../support/stack';
import { ALL } from '../support/scopes';

jest.setTimeout(60_000);

// Thread mode: incidents live in threads of the incident channel.
const THREAD_CONFIG = DEMO_CONFIG.replace(
  'incidents: { mode: channel }',
  'incidents: { mode: thread }',
);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ configYaml: THREAD_CONFIG });
});

afterAll(async () => {
  await stack?.stop();
});

async function declare(text: string): Promise<number> {
  const reply = await (await stack.slash(text)).reply();
  const n = Number(/INC-(\d+)/.exec(reply)?.[1]);
  expect(n).toBeGreaterThan(0);
  return n;
}

async function timelineKinds(n: number): Promise<string[]> {
  return stack.runtime.storage.db.scoped(ALL, async (c) =>
    (
      await c.query<{ kind: string }>(
        'SELECT kind FROM timeline WHERE incident_id = $1 ORDER BY id',
        [n],
      )
    ).rows.map((r) => r.kind),
  );
}

describe(`incidents in thread mode, roles, tenants, pins and forms (${storageUnderTest()} storage)`, () => {
  it('opens the incident as a thread in the incident channel, and commands in the thread need no INC-n', async () => {
    const n = await declare('declare P2 acme Search latency high');
    const card = await stack.emulator.waitFor(() =>
      stack.emulator.messagesIn('C0INCIDENTS').find((m) => m.text.includes(`INC-${n}`)),
    );
    expect(stack.emulator.callsTo('conversations.create')).toHaveLength(0);
    const ack = await stack.slash('ack', { channel: 'C0INCIDENTS' });
    expect(await ack.reply()).toContain(`Acknowledged INC-${n}`);
    await stack.emulator.waitFor(() =>
      stack.emulator.callsTo('chat.postMessage').find((c) => c.args.thread_ts === card.ts),
    );
    await declare('declare P3 globex Second open incident');
    expect(await (await stack.slash('status', { channel: 'C0INCIDENTS' })).reply()).toContain(
      'several incidents are open',
    );
  });

  it('assigns roles only to people who work on the incident tenants, and adds tenants the actor works on', async () => {
    const n = await declare('declare P1 acme Payments failing');
    expect(await (await stack.slash(`role INC-${n} comms <@U0CAROL>`)).reply()).toContain(
      '<@U0CAROL> is comms',
    );
    expect(await (await stack.slash(`role INC-${n} scribe <@U0DAVE>`)).reply()).toContain(
      'has no role on acme',
    );
    expect(await (await stack.slash(`tenant add INC-${n} globex`)).reply()).toContain(
      'now affects acme, globex',
    );
    expect(await (await stack.slash(`tenant add INC-${n} initech`)).reply()).toContain(
      "You can't add tenant",
    );
    expect(await (await stack.slash(`sev INC-${n} P2`)).reply()).toContain('is now P2');
    // Now that globex is affected, its responder may work the incident too.
    expect(
      await (
        await stack.slash(`update INC-${n} tenant=globex Globex unaffected in practice`, {
          user: 'U0DAVE',
        })
      ).reply(),
    ).toContain('for globex');
    expect(await timelineKinds(n)).toEqual([
      'declared',
      'role_assigned',
      'tenant_added',
      'severity_changed',
      'update',
    ]);
  });

  it('copies a message marked with :pushpin: in the incident channel to the timeline', async () => {
    const n = await declare('declare P3 acme Webhook retries');
    const card = await stack.emulator.waitFor(() =>
      stack.emulator.messagesIn('C0INCIDENTS').find((m) => m.text.includes(`INC-${n}`)),
    );
    const ts = stack.emulator.postAsUser(
      'C0INCIDENTS',
      'U0ALICE',
      'Root cause: expired TLS cert on hooks.acme.test',
      card.ts,
    );
    const pin = () =>
      signedEvent(`${stack.url}/slack/events`, SIGNING_SECRET, {
        type: 'event_callback',
        team_id: stack.emulator.identity.teamId,
        event_id: 'Ev1',
        event_time: 1,
        event: {
          type: 'reaction_added',
          user: 'U0ALICE',
          reaction: 'pushpin',
          item: { type: 'message', channel: 'C0INCIDENTS', ts },
          event_ts: '1.1',
        },
      });
    expect((await pin()).status).toBe(200);
    await waitUntil(async () => (await timelineKinds(n)).includes('pinned'));
    // A redelivery of the same event (Slack retries) adds nothing: once a later pin (another
    // message) has landed, the redelivery before it was handled, and there are two entries.
    expect((await pin()).status).toBe(200);
    const later = stack.emulator.postAsUser('C0INCIDENTS', 'U0ALICE', 'Fix: renewed', card.ts);
    const pinLater = await signedEvent(`${stack.url}/slack/events`, SIGNING_SECRET, {
      type: 'event_callback',
      team_id: stack.emulator.identity.teamId,
      event_id: 'Ev2',
      event_time: 2,
      event: {
        type: 'reaction_added',
        user: 'U0ALICE',
        reaction: 'pushpin',
        item: { type: 'message', channel: 'C0INCIDENTS', ts: later },
        event_ts: '2.1',
      },
    });
    expect(pinLater.status).toBe(200);
    await waitUntil(async () => (await timelineKinds(n)).filter((k) => k === 'pinned').length >= 2);
    expect((await timelineKinds(n)).filter((k) => k === 'pinned')).toHaveLength(2);
  });

  it("declares through the modal: the tenants offered are the person's, and errors keep the form open", async () => {
    await stack.slash('declare', { channel: 'C0GENERAL', user: 'U0DAVE' });
    const open = await stack.emulator.waitForCall('views.open');
    const view = open.args.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id: string; element: { type: string; options?: { value: string }[] } }[];
    };
    const tenantsField = view.blocks.find((b) => b.block_id === 'tenants')!;
    expect(tenantsField.element.type).toBe('multi_static_select');
    // U0DAVE works on globex only: acme and initech are not offered.
    expect(tenantsField.element.options?.map((o) => o.value)).toEqual(['globex']);
    const submit = (user: string, tenants: string[], title: string) =>
      signedInteraction(`${stack.url}/slack/events`, SIGNING_SECRET, {
        type: 'view_submission',
        team: { id: stack.emulator.identity.teamId },
        user: { id: user },
        trigger_id: 't-modal',
        view: {
          id: 'V1',
          callback_id: view.callback_id,
          private_metadata: view.private_metadata,
          state: {
            values: {
              severity: { severity: { type: 'static_select', selected_option: { value: 'P2' } } },
              tenants: {
                tenants: {
                  type: 'multi_static_select',
                  selected_options: tenants.map((value) => ({ value })),
                },
              },
              title: { title: { type: 'plain_text_input', value: title } },
            },
          },
        },
      });
    const bad = await submit('U0DAVE', ['globex'], '');
    expect(await bad.json()).toEqual({
      response_action: 'errors',
      errors: { title: 'Give the incident a title.' },
    });
    // A tenant that isn't theirs (a crafted submission) shows on the field; nothing is declared.
    const before = await stack.runtime.storage.db.scoped(ALL, async (c) =>
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM incidents')).rows[0]?.n),
    );
    const refused = (await (await submit('U0DAVE', ['acme'], 'Not mine')).json()) as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(refused.response_action).toBe('errors');
    expect(refused.errors.tenants).toContain('or you have no role on it');
    const after = await stack.runtime.storage.db.scoped(ALL, async (c) =>
      Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM incidents')).rows[0]?.n),
    );
    expect(after).toBe(before);
    const good = await submit('U0DAVE', ['globex'], 'Form-declared incident');
    expect(good.status).toBe(200);
    await stack.emulator.waitFor(() =>
      stack.emulator
        .messagesIn('C0INCIDENTS')
        .find((m) => m.text.includes('Form-declared incident')),
    );
  });
});

async function waitUntil(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
