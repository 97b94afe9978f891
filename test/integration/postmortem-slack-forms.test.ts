import { startStack, storageUnderTest, SIGNING_SECRET, type Stack } from '../support/stack';
import { signedInteraction } from '../support/slack-signing';
import { declare, query, run } from '../support/sla-helpers';
import { draftFiles, postmortemConfig, versions } from '../support/postmortem-helpers';

jest.setTimeout(90_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ configYaml: postmortemConfig() });
});

afterAll(async () => {
  await stack?.stop();
});

function submit(
  user: string,
  view: { callback_id: string; private_metadata: string },
  values: Record<string, string>,
) {
  return signedInteraction(`${stack.url}/slack/events`, SIGNING_SECRET, {
    type: 'view_submission',
    team: { id: stack.emulator.identity.teamId },
    user: { id: user },
    trigger_id: `t-${Date.now()}`,
    view: {
      id: 'V1',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: {
        values: Object.fromEntries(
          Object.entries(values).map(([k, v]) => [
            k,
            { text: { type: 'plain_text_input', value: v } },
          ]),
        ),
      },
    },
  });
}

async function lastModal(count: number) {
  const call = await stack.emulator.waitFor(
    () => stack.emulator.callsTo('views.open')[count - 1],
    8000,
  );
  return call.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
}

describe(`Slack forms for drafts (${storageUnderTest()} storage)`, () => {
  it("saves the people's sections from the form as a new version, masked, refusing a stale form", async () => {
    const inc = await declare(stack, 'P1 acme Login failures');
    await run(stack, `resolve INC-${inc.n} Rotated the IdP certificate`);
    await stack.emulator.waitFor(() => draftFiles(stack, inc.channel)[0], 15000);
    const opened = stack.emulator.callsTo('views.open').length;
    expect(
      (await stack.click('postmortem_edit_people', `${inc.n}:1`, { user: 'U0ALICE' })).status,
    ).toBe(200);
    const view = await lastModal(opened + 1);
    expect(view.callback_id).toBe('postmortem_people_modal');
    const res = await submit('U0ALICE', view, {
      root_cause: 'The IdP certificate expired; nobody got the renewal mail at ops@acme.example',
      action_items: '- [ ] Alert 30 days before certificate expiry — owner: @U0ALICE',
    });
    expect(res.status).toBe(200);
    const v2 = await stack.emulator.waitFor(
      () => draftFiles(stack, inc.channel).find((f) => f.filename.endsWith('-v2.md')),
      15000,
    );
    expect(v2.content).toContain(
      'The IdP certificate expired; nobody got the renewal mail at o***@acme.example',
    );
    expect(v2.content).toContain('- [ ] Alert 30 days before certificate expiry — owner: @U0ALICE');
    expect((await versions(stack, inc.n)).map((v) => v.source)).toEqual(['generated', 'edited']);

    // The same form (based on v1) submitted again with other text would overwrite v2: refused.
    await submit('U0ALICE', view, { root_cause: 'Something else' });
    await stack.emulator.waitFor(() =>
      stack.emulator.workspace.ephemerals.find(
        (e) => e.user === 'U0ALICE' && /were edited in v2/.test(e.text),
      ),
    );
    expect(await versions(stack, inc.n)).toHaveLength(2);

    // A responder may not edit them: refused, naming the roles, and audited.
    const refused = await (
      await stack.click('postmortem_edit_people', `${inc.n}:2`, { user: 'U0ERIN' })
    ).reply();
    expect(refused).toContain('needs commander or scribe on acme');
  });

  it('edits a customer draft through its form and drafts a security notice on a security incident', async () => {
    const inc = await declare(stack, 'P1 acme Possible data exposure');
    await run(stack, `security INC-${inc.n}`);
    await run(stack, `update INC-${inc.n} Blocked the export endpoint; rotating keys`, 'U0CAROL');
    const notice = await stack.emulator.waitFor(
      () =>
        stack.emulator
          .messagesIn('C0ACMECOMM')
          .find(
            (m) => /Security notice draft\* · INC-/.test(m.text) && m.text.includes(`INC-${inc.n}`),
          ),
      8000,
    );
    for (const part of [
      'What happened:',
      'What data is involved:',
      'When we became aware:',
      'What we are doing:',
      'Contact:',
    ])
      expect(notice.text).toContain(part);
    const update = stack.emulator
      .messagesIn('C0ACMECOMM')
      .find((m) => /Customer update draft/.test(m.text) && m.text.includes(`INC-${inc.n}`));
    const buttons = (update?.blocks ?? []).flatMap(
      (b) => (b as { elements?: { action_id: string; value: string }[] }).elements ?? [],
    );
    const id = String(buttons.find((e) => e.action_id === 'customer_message_edit')?.value);
    const opened = stack.emulator.callsTo('views.open').length;
    await stack.click('customer_message_edit', id, { user: 'U0CAROL' });
    const view = await lastModal(opened + 1);
    expect(view.callback_id).toBe('customer_message_edit_modal');
    await submit('U0CAROL', view, {
      text: 'We blocked the affected endpoint and are rotating keys. Questions: +34 612 345 678',
    });
    await stack.emulator.waitFor(() =>
      stack.emulator
        .messagesIn('C0ACMECOMM')
        .find((m) => m.edited && /edited by <@U0CAROL>/.test(m.text)),
    );
    const [row] = await query<{ text: string; status: string; edited_by: string }>(
      stack,
      'SELECT text, status, edited_by FROM customer_messages WHERE id = $1',
      [Number(id)],
    );
    expect(row).toMatchObject({ status: 'draft', edited_by: 'U0CAROL' });
    expect(row?.text).toContain('***-**78');
  });
});
