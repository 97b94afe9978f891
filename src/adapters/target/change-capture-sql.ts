import { CONTROL_SCHEMA } from '../../domain/backups/tenant-schema';

/** Names of the capture triggers tenant-migrate puts on a tenant's tables (and only those). */
export const CAPTURE_TRIGGER_PREFIX = 'tenantops_capture_';

const CHANGES = `${CONTROL_SCHEMA}.migration_changes (tenant_id, table_name, key)`;

/**
 * The capture trigger function: statement-level, with transition tables, it writes the keys of
 * the rows a statement touched (both keys of an UPDATE, as a key may change) into
 * `migration_changes`; a TRUNCATE writes a NULL key, "the whole table". Arguments: the tenant
 * and the key expression over the transition row `k`, e.g. `jsonb_build_array(k."id")`.
 * SECURITY DEFINER: the app role writes its tables, never the control schema.
 */
export const CAPTURE_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION ${CONTROL_SCHEMA}.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $capture$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    INSERT INTO ${CHANGES} VALUES (TG_ARGV[0], TG_TABLE_NAME, NULL);
  ELSIF TG_OP = 'INSERT' THEN
    EXECUTE format('INSERT INTO ${CHANGES} SELECT DISTINCT $1, $2, %s FROM new_rows k', TG_ARGV[1])
      USING TG_ARGV[0], TG_TABLE_NAME;
  ELSIF TG_OP = 'DELETE' THEN
    EXECUTE format('INSERT INTO ${CHANGES} SELECT DISTINCT $1, $2, %s FROM old_rows k', TG_ARGV[1])
      USING TG_ARGV[0], TG_TABLE_NAME;
  ELSE
    EXECUTE format('INSERT INTO ${CHANGES} SELECT $1, $2, %s FROM new_rows k UNION SELECT $1, $2, %s FROM old_rows k',
      TG_ARGV[1], TG_ARGV[1]) USING TG_ARGV[0], TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END
$capture$;
REVOKE ALL ON FUNCTION ${CONTROL_SCHEMA}.capture_change() FROM PUBLIC;`;
