import type {
  Checklist,
  ChecklistItem,
  ChecklistKind,
  ItemState,
} from '../domain/checklists/checklist';
import type { Scope } from '../domain/tenants/scope';

export interface NewChecklist {
  tenant: string;
  kind: ChecklistKind;
  requestedBy: string;
  items: ChecklistItem[];
  verdict: ItemState;
  place: { channel: string | null; threadTs: string | null };
}

/** Preflight and go-live checklists in tenantops' database (row-level security by tenant). */
export interface ChecklistStore {
  create(scope: Scope, c: NewChecklist): Promise<Checklist>;
  get(scope: Scope, id: number): Promise<Checklist | undefined>;
  /** `fn` on the checklist under its row lock; what it returns is stored (version bumped). */
  change(scope: Scope, id: number, fn: (c: Checklist) => Checklist): Promise<Checklist | undefined>;
  /** The tenant's newest checklist of `kind`. */
  latest(scope: Scope, tenant: string, kind: ChecklistKind): Promise<Checklist | undefined>;
  /** Where its message landed (first post). */
  messagePosted(id: number, ts: string): Promise<Checklist | undefined>;
}
