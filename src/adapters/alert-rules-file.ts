import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

/**
 * The names of the per-tenant alert rules tenantops ships (`alerts/tenant-rules.yml`), found
 * from here or from `dist/`; empty when the file is not shipped with this build.
 */
export function shippedTenantAlerts(): string[] {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const file = path.join(dir, 'alerts', 'tenant-rules.yml');
    if (existsSync(file)) {
      const doc = parseYaml(readFileSync(file, 'utf8')) as {
        groups?: { rules?: { alert?: unknown }[] }[];
      } | null;
      return (doc?.groups ?? [])
        .flatMap((g) => g.rules ?? [])
        .map((r) => r.alert)
        .filter((a): a is string => typeof a === 'string');
    }
    dir = path.dirname(dir);
  }
  return [];
}
