import { defaultSchemaName } from '../backups/tenant-schema';

/** Where a schema stands for the SaaS's routing. */
export type SchemaRole =
  /** A tenant's traffic uses it (its routing row, or the pattern for a tenant without one). */
  | 'live'
  /** The schema a tenant's last swap left, kept for rollback. */
  | 'previous'
  /** Built by tenantops for a tenant (a restore, a sandbox, a migration's shadow), not routed. */
  | 'tenantops'
  /** Named like a tenant schema (target.schemaPattern) but no tenant is routed to it. */
  | 'unrouted'
  /** Not tenant data as far as routing knows (public, shared schemas…). */
  | 'other';

export interface SchemaClass {
  schema: string;
  role: SchemaRole;
  /** The tenant it belongs (or, for `unrouted`, seems to belong) to. */
  tenant?: string;
}

export interface RoutingRow {
  tenant: string;
  schema: string;
  previous: string | null;
}

export interface SchemaInfo {
  name: string;
  /** The schema's comment: tenantops marks the schemas it builds `tenantops:<tenant>: …`. */
  comment: string | null;
}

function patternRegex(pattern: string): RegExp {
  const [before, after] = pattern.split('{id}', 2) as [string, string?];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${esc(before)}([a-z0-9_]+)${esc(after ?? '')}$`);
}

/**
 * Which tenant each schema belongs to, from the routing table, `target.schemaPattern`, the
 * tenant registry and tenantops' own marks; `<live>__<tag>` schemas are a tenant's isolated copies.
 */
export function classifySchemas(
  schemas: readonly SchemaInfo[],
  routing: readonly RoutingRow[],
  tenants: readonly string[],
  pattern: string,
): SchemaClass[] {
  const live = new Map<string, string>();
  const previous = new Map<string, string>();
  for (const r of routing) {
    live.set(r.schema, r.tenant);
    if (r.previous && r.previous !== r.schema) previous.set(r.previous, r.tenant);
  }
  const routed = new Set(routing.map((r) => r.tenant));
  const byPattern = new Map<string, string>();
  for (const t of new Set([...tenants, ...routed])) byPattern.set(defaultSchemaName(pattern, t), t);
  for (const t of tenants)
    if (!routed.has(t) && !live.has(defaultSchemaName(pattern, t)))
      live.set(defaultSchemaName(pattern, t), t);
  const re = patternRegex(pattern);
  return schemas.map(({ name, comment }): SchemaClass => {
    const liveOf = live.get(name);
    if (liveOf) return { schema: name, role: 'live', tenant: liveOf };
    const prevOf = previous.get(name);
    if (prevOf) return { schema: name, role: 'previous', tenant: prevOf };
    const mark = /^tenantops:([a-z0-9-]{2,40}):/.exec(comment ?? '');
    if (mark) return { schema: name, role: 'tenantops', tenant: mark[1]! };
    const base = name.includes('__') ? name.slice(0, name.indexOf('__')) : null;
    const isolatedOf = base
      ? (live.get(base) ?? previous.get(base) ?? byPattern.get(base))
      : undefined;
    if (isolatedOf) return { schema: name, role: 'tenantops', tenant: isolatedOf };
    const own = byPattern.get(name);
    if (own) return { schema: name, role: 'unrouted', tenant: own };
    const m = re.exec(base ?? name);
    if (m) return { schema: name, role: 'unrouted', tenant: m[1]!.replace(/_/g, '-') };
    return { schema: name, role: 'other' };
  });
}
