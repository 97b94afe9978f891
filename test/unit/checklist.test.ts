import {
  confirmItem,
  verdictOf,
  type Checklist,
  type ChecklistItem,
} from '../../src/domain/checklists/checklist';
import { DomainError } from '../../src/domain/errors';
import { renderChecklistMessage } from '../../templates/checklist-message';

const item = (id: ChecklistItem['id'], state: ChecklistItem['state']): ChecklistItem => ({
  id,
  state,
  evidence: `${id} evidence`,
});

function checklist(items: ChecklistItem[]): Checklist {
  const at = new Date('2026-07-01T10:00:00Z');
  return {
    id: 7,
    tenant: 'acme',
    kind: 'golive',
    requestedBy: 'U0ALICE',
    items,
    verdict: verdictOf(items),
    createdAt: at,
    updatedAt: at,
    place: { channel: 'C1', threadTs: null, messageTs: null },
    version: 1,
  };
}

describe('checklist verdicts', () => {
  it.each([
    [['pass', 'pass'], 'pass'],
    [['pass', 'needs_confirmation'], 'needs_confirmation'],
    [['needs_confirmation', 'fail'], 'fail'],
    [['fail', 'pass'], 'fail'],
  ] as const)('%j → %s', (states, verdict) => {
    expect(verdictOf(states.map((state) => ({ state })))).toBe(verdict);
  });
});

describe('confirming an item', () => {
  const c = checklist([item('rls', 'fail'), item('support_trained', 'needs_confirmation')]);

  it('passes the item, names who confirmed it and recomputes the verdict', () => {
    const at = new Date('2026-07-01T11:00:00Z');
    const next = confirmItem(c, 'support_trained', 'U0BOB', at);
    expect(next.items[1]).toMatchObject({ state: 'pass', confirmedBy: 'U0BOB' });
    expect(next.verdict).toBe('fail'); // the RLS item still fails
    expect(next.updatedAt).toBe(at);
  });

  it('refuses a failed item (fix it and run again) and one already confirmed', () => {
    expect(() => confirmItem(c, 'rls', 'U0BOB', new Date())).toThrow(DomainError);
    const once = confirmItem(c, 'support_trained', 'U0BOB', new Date());
    expect(() => confirmItem(once, 'support_trained', 'U0CAROL', new Date())).toThrow(
      /already confirmed by @U0BOB/,
    );
    expect(() => confirmItem(c, 'restore_tested', 'U0BOB', new Date())).toThrow(/no item/);
  });
});

describe('the checklist message', () => {
  it('shows every item with its state and a Confirm button only where a person must confirm', () => {
    const m = renderChecklistMessage(
      checklist([
        item('rls', 'pass'),
        item('backups', 'fail'),
        item('support_trained', 'needs_confirmation'),
      ]),
    );
    expect(m.text).toContain(
      'Go-live checklist #7 acme: fail (1 pass, 1 fail, 1 needs confirmation)',
    );
    const buttons = JSON.stringify(m.blocks).match(/checklist_confirm:[a-z_]+/g);
    expect(buttons).toEqual(['checklist_confirm:support_trained']);
  });
});
