import { DomainError } from '../errors';

/** `/tenant preflight` (PRODUCT §1 seed §1, pre-checks) and `/tenant golive` (seed §8). */
export type ChecklistKind = 'preflight' | 'golive';

export type ItemState = 'pass' | 'fail' | 'needs_confirmation';

export type ItemId =
  | 'tenant_header'
  | 'rls'
  | 'backups'
  | 'restore_tested'
  | 'alerts'
  | 'key_rotation'
  | 'support_trained';

export const ITEM_TITLES: Record<ItemId, string> = {
  tenant_header: 'X-Tenant-ID enforced (API and backend)',
  rls: 'RLS or schema-per-tenant applied',
  backups: 'Backups labelled per tenant and fresh',
  restore_tested: 'Restore tested in a sandbox (last 30 days)',
  alerts: 'Per-tenant dashboards and alerts',
  key_rotation: 'Tenant key in Vault, rotation scheduled',
  support_trained: 'Support team trained',
};

/** The items of each checklist, in the order the seed lists them. */
export const CHECKLIST_ITEMS: Record<ChecklistKind, readonly ItemId[]> = {
  preflight: ['tenant_header', 'rls', 'backups', 'alerts', 'key_rotation'],
  golive: [
    'tenant_header',
    'rls',
    'backups',
    'restore_tested',
    'alerts',
    'key_rotation',
    'support_trained',
  ],
};

export const CHECKLIST_TITLES: Record<ChecklistKind, string> = {
  preflight: 'Preflight checklist',
  golive: 'Go-live checklist',
};

export interface ChecklistItem {
  id: ItemId;
  state: ItemState;
  /** What was checked and found (or why a person must confirm it). */
  evidence: string;
  confirmedBy?: string;
  confirmedAt?: string;
}

export interface Checklist {
  id: number;
  tenant: string;
  kind: ChecklistKind;
  requestedBy: string;
  items: ChecklistItem[];
  verdict: ItemState;
  createdAt: Date;
  updatedAt: Date;
  place: { channel: string | null; threadTs: string | null; messageTs: string | null };
  version: number;
}

/** fail if any item fails; else needs confirmation if any does; else pass. */
export function verdictOf(items: readonly Pick<ChecklistItem, 'state'>[]): ItemState {
  if (items.some((i) => i.state === 'fail')) return 'fail';
  if (items.some((i) => i.state === 'needs_confirmation')) return 'needs_confirmation';
  return 'pass';
}

export function countStates(
  items: readonly Pick<ChecklistItem, 'state'>[],
): Record<ItemState, number> {
  const n = { pass: 0, fail: 0, needs_confirmation: 0 };
  for (const i of items) n[i.state] += 1;
  return n;
}

export function isItemId(text: string): text is ItemId {
  return Object.prototype.hasOwnProperty.call(ITEM_TITLES, text);
}

/**
 * The checklist with `item` confirmed by `user`: only an item waiting for confirmation can be
 * (a failed check is fixed and the checklist run again, not confirmed away).
 */
export function confirmItem(c: Checklist, item: ItemId, user: string, at: Date): Checklist {
  const found = c.items.find((i) => i.id === item);
  if (!found)
    throw new DomainError(
      'unknown_item',
      `${CHECKLIST_TITLES[c.kind]} #${c.id} has no item ${item}.`,
    );
  if (found.state !== 'needs_confirmation')
    throw new DomainError(
      'not_confirmable',
      found.confirmedBy
        ? `"${ITEM_TITLES[item]}" was already confirmed by @${found.confirmedBy}.`
        : `"${ITEM_TITLES[item]}" was checked automatically (${found.state}): fix it and run the checklist again.`,
    );
  const items = c.items.map((i) =>
    i.id === item
      ? { ...i, state: 'pass' as const, confirmedBy: user, confirmedAt: at.toISOString() }
      : i,
  );
  return { ...c, items, verdict: verdictOf(items), updatedAt: at };
}
