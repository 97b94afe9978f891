// npm run target:init — creates tenantops' control schema (tenantops_control: tenant_routing,
// tenant_controls, write_pauses) on TARGET_DATABASE_URL, idempotently. Runbooks create it on
// first use too; this lets the SaaS team create it (and read its tables) before any runbook runs.
import { createLogger } from '../adapters/logging/logger';
import { ensureControlSchema, roleExists } from '../adapters/target/control-schema';
import { TargetDb } from '../adapters/target/target-db';
import { configOrExit, failStart } from './process-entry';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger({ level: config.env.LOG_LEVEL });
  const url = config.env.TARGET_DATABASE_URL;
  if (!url)
    throw new Error('TARGET_DATABASE_URL is not set: it names the SaaS Postgres to prepare');
  const { appRole } = config.file.target;
  const db = new TargetDb(url, 1);
  try {
    await ensureControlSchema(db, appRole);
    const hasRole = await db.tx((c) => roleExists(c, appRole));
    if (!hasRole)
      log.warn(
        { target: db.description, appRole },
        'the app role (target.appRole) does not exist on the target: create it, then run target:init again to let it read the control tables',
      );
    log.info({ target: db.description }, 'control schema tenantops_control ready');
  } finally {
    await db.close();
  }
}

main().catch(failStart);
