import path from 'node:path';
import { DomainError } from '../../domain/errors';
import type { BackupCatalog } from '../../ports/backup-catalog';
import type { ControlGateway } from '../../ports/control-gateway';
import { startDemoTarget } from './demo-target';
import { LocalBackupStorage } from './local-backup-storage';
import { PgTargetSystem } from './pg-target-system';

export interface OpenTargetOptions {
  /** TARGET_DATABASE_URL. */
  url?: string;
  /** TENANTOPS_DATA_DIR: backups go under `<dataDir>/backups`, the demo target under `<dataDir>/demo-target`. */
  dataDir: string;
  /** Start the embedded demo target when there is no URL (console mode only). */
  allowDemo: boolean;
  /** Told the demo target's URL when one is started (console mode's `:damage`). */
  onDemo?: (url: string) => void;
  schemaPattern: string;
  appRole: string;
  catalog: BackupCatalog;
  /** target.gatewayUrl with GATEWAY_SIGNING_SECRET (SignedHttpGateway), when configured. */
  gateway?: ControlGateway;
  /** target.migrationsDir, resolved against the config file's folder (resolveMigrationsDir). */
  migrationsDir?: string;
  log?: (msg: string) => void;
}

/**
 * The target system for the runbooks: TARGET_DATABASE_URL when set; else, where allowed, the
 * embedded demo target; else a clear refusal (the `web` and `worker` processes never fall back).
 */
export async function openTargetSystem(opts: OpenTargetOptions): Promise<PgTargetSystem> {
  const storage = new LocalBackupStorage(path.join(opts.dataDir, 'backups'));
  const common = {
    schemaPattern: opts.schemaPattern,
    appRole: opts.appRole,
    catalog: opts.catalog,
    gateway: opts.gateway,
    storage,
    migrationsDir: opts.migrationsDir,
  };
  if (opts.url) return new PgTargetSystem({ ...common, url: opts.url });
  if (!opts.allowDemo)
    throw new DomainError(
      'target_not_configured',
      'TARGET_DATABASE_URL is not set: runbooks that act on the SaaS database cannot run (the demo target is for console mode only)',
    );
  const demo = await startDemoTarget(opts.dataDir, {
    appRole: opts.appRole,
    schemaPattern: opts.schemaPattern,
    log: opts.log,
  });
  opts.onDemo?.(demo.connectionString);
  return new PgTargetSystem({
    ...common,
    url: demo.connectionString,
    demo: true,
    concurrency: 1,
    onClose: () => demo.stop(),
  });
}
