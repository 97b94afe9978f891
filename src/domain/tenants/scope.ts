import { DomainError } from '../errors';
import { isTenantId, TENANT_ID_RULE } from './tenant-id';

/**
 * Which tenants' rows a transaction may see (row-level security's `app.tenant_id`). Built only
 * by `Scope.of` (validated tenant ids) or `Scope.platform` (system work, named at each call):
 * a string from user input can never widen it, and `'*'` or `'a,b'` are not tenant ids.
 */
export class Scope {
  private constructor(
    private readonly ids: readonly string[] | null,
    /** Why a platform scope was taken (for reading the code and the logs). */
    readonly reason?: string,
  ) {}

  /** The rows of these tenants only; an empty list sees nothing. */
  static of(tenants: readonly string[]): Scope {
    const bad = tenants.find((t) => !isTenantId(t));
    if (bad !== undefined)
      throw new DomainError(
        'bad_tenant',
        `"${bad}" is not a tenant id (${TENANT_ID_RULE}), so it can't scope a query.`,
      );
    return new Scope([...new Set(tenants)].sort());
  }

  /**
   * Every tenant's rows: for system work that acts for no person (timers, reconcilers, alert
   * intake, config sync), and for people whose role binding is platform-wide (`"*"`).
   */
  static platform(reason: string): Scope {
    return new Scope(null, reason);
  }

  get isPlatform(): boolean {
    return this.ids === null;
  }

  /** The tenant ids, or undefined for platform scope. */
  get tenants(): readonly string[] | undefined {
    return this.ids ?? undefined;
  }

  includes(tenant: string): boolean {
    return this.ids === null || this.ids.includes(tenant);
  }

  /** The value of `app.tenant_id`: `*`, or the ids joined with commas (each re-checked). */
  setting(): string {
    if (this.ids === null) return '*';
    for (const t of this.ids) if (!isTenantId(t)) throw new Error(`invalid tenant id in scope`);
    return this.ids.join(',');
  }

  toString(): string {
    return this.ids === null ? `platform (${this.reason ?? ''})` : `tenants ${this.ids.join(',')}`;
  }
}

/** True for a Scope built by this module (a cast string or object is refused at the database). */
export function isScope(value: unknown): value is Scope {
  return value instanceof Scope;
}
