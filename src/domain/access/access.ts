import { DomainError } from '../errors';

export const TENANT_ROLES = ['commander', 'comms', 'responder', 'scribe', 'approver'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

export interface RoleBinding {
  user: string;
  tenant: string; // a tenant id, or '*' for platform-wide
  role: TenantRole;
}

/** What an action needs: one of these roles on one of the incident's tenants. */
export type Action =
  | 'view'
  | 'acknowledge'
  | 'update'
  | 'assign_role'
  | 'change_severity'
  | 'add_tenant'
  | 'mitigate'
  | 'resolve'
  | 'security'
  | 'notify'
  | 'finish_postmortem'
  | 'edit_postmortem'
  | 'approve_update';

const INCIDENT_WORKERS: TenantRole[] = ['commander', 'comms', 'responder', 'scribe'];

export const ACTION_ROLES: Record<Action, readonly TenantRole[]> = {
  view: TENANT_ROLES,
  acknowledge: INCIDENT_WORKERS,
  update: ['commander', 'comms', 'responder'],
  assign_role: ['commander'],
  change_severity: ['commander'],
  add_tenant: ['commander', 'responder'],
  mitigate: ['commander', 'responder'],
  resolve: ['commander'],
  security: ['commander'],
  notify: ['commander', 'comms'],
  finish_postmortem: ['commander'],
  edit_postmortem: ['commander', 'scribe'],
  approve_update: ['commander', 'comms'],
};

/** The tenants a user can see at all; '*' when a platform-wide binding exists. */
export function visibleTenants(bindings: readonly RoleBinding[]): string[] | '*' {
  if (bindings.some((b) => b.tenant === '*')) return '*';
  return [...new Set(bindings.map((b) => b.tenant))].sort();
}

/** True when the user holds one of the action's roles on one of `tenants` (or platform-wide). */
export function allows(
  bindings: readonly RoleBinding[],
  action: Action,
  tenants: readonly string[],
): boolean {
  const needed = ACTION_ROLES[action];
  return bindings.some(
    (b) => needed.includes(b.role) && (b.tenant === '*' || tenants.includes(b.tenant)),
  );
}

/** Throws a `forbidden` DomainError that says which role would do. */
export function requireAllowed(
  bindings: readonly RoleBinding[],
  action: Action,
  tenants: readonly string[],
  what: string,
): void {
  if (allows(bindings, action, tenants)) return;
  const roles = ACTION_ROLES[action].join(' or ');
  throw new DomainError(
    'forbidden',
    `You can't ${what}: it needs the ${roles} role on ${tenants.join(' or ')}. Ask a platform admin to add a role binding.`,
  );
}
