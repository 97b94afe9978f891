export const TENANT_ROLES = ['commander', 'comms', 'responder', 'scribe', 'approver'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

export interface RoleBinding {
  user: string;
  tenant: string; // a tenant id, or '*' for platform-wide
  role: TenantRole;
}

/** What an action needs: one of these roles, on the tenants its reach says. */
export type Action =
  | 'view'
  | 'declare'
  | 'acknowledge'
  | 'update'
  | 'assign_role'
  | 'change_severity'
  | 'add_tenant'
  | 'mitigate'
  | 'resolve'
  | 'security'
  | 'notify'
  | 'pin'
  | 'runbook_view'
  | 'runbook_run'
  | 'runbook_approve'
  | 'runbook_cancel'
  | 'runbook_rollback'
  | 'finish_postmortem'
  | 'edit_postmortem'
  | 'approve_update'
  | 'checklist_run'
  | 'checklist_confirm';

const INCIDENT_WORKERS: TenantRole[] = ['commander', 'comms', 'responder', 'scribe'];

export const ACTION_ROLES: Record<Action, readonly TenantRole[]> = {
  view: TENANT_ROLES,
  declare: INCIDENT_WORKERS,
  acknowledge: INCIDENT_WORKERS,
  update: ['commander', 'comms', 'responder'],
  assign_role: ['commander'],
  change_severity: ['commander'],
  add_tenant: ['commander', 'responder'],
  mitigate: ['commander', 'responder'],
  resolve: ['commander'],
  security: ['commander'],
  notify: ['commander', 'comms'],
  pin: INCIDENT_WORKERS,
  runbook_view: TENANT_ROLES,
  // PRODUCT §8: run needs commander or responder, approve an approver (never the requester),
  // cancel and rollback a commander — each on the run's tenant, or platform-wide.
  runbook_run: ['commander', 'responder'],
  runbook_approve: ['approver'],
  runbook_cancel: ['commander'],
  runbook_rollback: ['commander'],
  finish_postmortem: ['commander'],
  edit_postmortem: ['commander', 'scribe'],
  approve_update: ['commander', 'comms'],
  // Preflight / go-live: anyone with a role on the tenant runs one; an approver confirms items.
  checklist_run: TENANT_ROLES,
  checklist_confirm: ['approver'],
};

/**
 * The one rule of tenant isolation (README "Access"), by what an action changes:
 * - `every`: the incident's shared state (its state, severity, roles, tenants, security
 *   marking) belongs to all its tenants, so the role is needed on every one of them;
 * - `each`: state kept per tenant (customer updates and their SLA clocks, security
 *   notifications, pinned messages) applies to the tenants the actor holds the role on, and
 *   the others are skipped and named;
 * - `any`: reading needs a role on one of the tenants and shows only those tenants' rows.
 */
export type Reach = 'every' | 'each' | 'any';

export const ACTION_REACH: Record<Action, Reach> = {
  view: 'any',
  declare: 'every',
  acknowledge: 'every',
  update: 'each',
  assign_role: 'every',
  change_severity: 'every',
  add_tenant: 'every',
  mitigate: 'every',
  resolve: 'every',
  security: 'every',
  notify: 'each',
  pin: 'each',
  runbook_view: 'any',
  runbook_run: 'every',
  runbook_approve: 'every',
  runbook_cancel: 'every',
  runbook_rollback: 'every',
  // The post-mortem belongs to the whole incident; a customer draft to its one tenant.
  finish_postmortem: 'every',
  edit_postmortem: 'every',
  approve_update: 'every',
  checklist_run: 'every',
  checklist_confirm: 'every',
};

/** The tenants a user can see at all; '*' when a platform-wide binding exists. */
export function visibleTenants(bindings: readonly RoleBinding[]): string[] | '*' {
  if (bindings.some((b) => b.tenant === '*')) return '*';
  return [...new Set(bindings.map((b) => b.tenant))].sort();
}

/** True when the user holds one of the action's roles on `tenant` (or platform-wide). */
export function holdsFor(
  bindings: readonly RoleBinding[],
  action: Action,
  tenant: string,
): boolean {
  const needed = ACTION_ROLES[action];
  return bindings.some((b) => needed.includes(b.role) && (b.tenant === '*' || b.tenant === tenant));
}

/** `tenants` split into those the user may act on for `action` and those they may not. */
export function splitByRole(
  bindings: readonly RoleBinding[],
  action: Action,
  tenants: readonly string[],
): { allowed: string[]; denied: string[] } {
  const allowed = tenants.filter((t) => holdsFor(bindings, action, t));
  return { allowed, denied: tenants.filter((t) => !allowed.includes(t)) };
}

/**
 * True when the action may go ahead on `tenants` under its reach: `every` needs the role on
 * all of them, `each` and `any` on at least one (`each` then acts on those only).
 */
export function allows(
  bindings: readonly RoleBinding[],
  action: Action,
  tenants: readonly string[],
): boolean {
  const { allowed, denied } = splitByRole(bindings, action, tenants);
  return ACTION_REACH[action] === 'every' ? denied.length === 0 : allowed.length > 0;
}

/** "needs the commander role on acme" / "… on acme or globex", for refusals and audit rows. */
export function deniedReason(
  bindings: readonly RoleBinding[],
  action: Action,
  tenants: readonly string[],
): string {
  const roles = ACTION_ROLES[action].join(' or ');
  const { denied } = splitByRole(bindings, action, tenants);
  if (ACTION_REACH[action] === 'every' && tenants.length > 1)
    return `needs ${roles} on every tenant it affects, and you have none on ${denied.join(', ')}`;
  return `needs ${roles} on ${tenants.join(' or ')}`;
}
