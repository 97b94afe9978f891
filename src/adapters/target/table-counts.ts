import type { TableCount } from '../../ports/target-migrations';
import { liveSchemaOf } from './control-schema';
import { quoteIdent, type TargetDb } from './target-db';
import { assertTenantId } from './tenant-input';

/** count(*) of one table may take this long; past it, pg_class's estimate stands in. */
const COUNT_TIMEOUT = '5s';

/**
 * Row counts of the tenant's routed schema: exact `count(*)` per table, each under a time
 * limit so an hourly watch stays cheap on a big tenant (past it: the planner's estimate,
 * marked `exact: false`).
 */
export async function tableCounts(
  db: TargetDb,
  pattern: string,
  tenant: string,
): Promise<TableCount[]> {
  assertTenantId(tenant);
  return db.tx(
    async (c) => {
      const { schema } = await liveSchemaOf(c, pattern, tenant);
      const { rows } = await c.query<{ name: string; estimate: string }>(
        `SELECT relname AS name, greatest(reltuples, 0)::bigint::text AS estimate FROM pg_class
         WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) AND relkind = 'r'
         ORDER BY relname`,
        [schema],
      );
      await c.query(`SELECT set_config('statement_timeout', $1, true)`, [COUNT_TIMEOUT]);
      const out: TableCount[] = [];
      for (const t of rows) {
        await c.query('SAVEPOINT tenantops_count');
        try {
          const { rows: n } = await c.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM ${quoteIdent(schema)}.${quoteIdent(t.name)}`,
          );
          out.push({ table: t.name, rows: Number(n[0]?.n ?? 0), exact: true });
          await c.query('RELEASE SAVEPOINT tenantops_count');
        } catch (err) {
          if ((err as { code?: string }).code !== '57014') throw err;
          await c.query('ROLLBACK TO SAVEPOINT tenantops_count');
          out.push({ table: t.name, rows: Number(t.estimate), exact: false });
        }
      }
      return out;
    },
    { readOnly: true },
  );
}
