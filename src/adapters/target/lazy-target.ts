import type { BackupChain, BackupRecord } from '../../domain/backups/backup';
import type { BackupChoice } from '../../domain/backups/backup-chain';
import type { ControlSetting } from '../../domain/target/controls';
import type { IntegrityReport } from '../../domain/target/integrity';
import type { RlsAuditReport } from '../../domain/target/rls-audit';
import type { ControlChange, ControlsView, ControlUndo } from '../../ports/control-plane';
import type { IntegrityRequest } from '../../ports/integrity';
import type {
  BackupRequest,
  RestoreResult,
  SwapResult,
  TargetSystem,
  ValidationReport,
  WritePauseState,
} from '../../ports/target-system';

/**
 * A target opened on first use: console mode starts the embedded demo target only when a
 * runbook needs it, so `npm start` stays quick; a failed open is tried again next time.
 */
export class LazyTarget implements TargetSystem {
  private opening?: Promise<TargetSystem>;

  constructor(
    private readonly open: () => Promise<TargetSystem>,
    readonly demo: boolean,
    readonly description: string,
  ) {}

  private get t(): Promise<TargetSystem> {
    this.opening ??= this.open().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  async ensureControlSchema(): Promise<void> {
    return (await this.t).ensureControlSchema();
  }
  async schemaOf(tenant: string): Promise<string> {
    return (await this.t).schemaOf(tenant);
  }
  async pauseWrites(tenant: string): Promise<WritePauseState> {
    return (await this.t).pauseWrites(tenant);
  }
  async resumeWrites(tenant: string): Promise<WritePauseState> {
    return (await this.t).resumeWrites(tenant);
  }
  async writesPaused(tenant: string): Promise<WritePauseState> {
    return (await this.t).writesPaused(tenant);
  }
  async backup(request: BackupRequest): Promise<BackupRecord> {
    return (await this.t).backup(request);
  }
  async chainFor(tenant: string, choice: BackupChoice): Promise<BackupChain> {
    return (await this.t).chainFor(tenant, choice);
  }
  async verifyReadable(chain: BackupChain): Promise<void> {
    return (await this.t).verifyReadable(chain);
  }
  async restoreInto(tenant: string, chain: BackupChain, schema: string): Promise<RestoreResult> {
    return (await this.t).restoreInto(tenant, chain, schema);
  }
  async validate(schema: string, backup: BackupRecord): Promise<ValidationReport> {
    return (await this.t).validate(schema, backup);
  }
  async swap(tenant: string, toSchema: string, opts?: { version?: number }): Promise<SwapResult> {
    return (await this.t).swap(tenant, toSchema, opts);
  }
  async dropSchema(name: string): Promise<{ dropped: boolean }> {
    return (await this.t).dropSchema(name);
  }
  async controlsOf(tenant: string): Promise<ControlsView> {
    return (await this.t).controlsOf(tenant);
  }
  async applyControls(
    tenant: string,
    settings: ControlSetting[],
    opts: { hold: string },
  ): Promise<ControlChange> {
    return (await this.t).applyControls(tenant, settings, opts);
  }
  async undoControls(tenant: string, hold: string): Promise<ControlUndo> {
    return (await this.t).undoControls(tenant, hold);
  }
  async auditRls(tenants: readonly string[]): Promise<RlsAuditReport> {
    return (await this.t).auditRls(tenants);
  }
  async verifyIntegrity(tenant: string, request?: IntegrityRequest): Promise<IntegrityReport> {
    return (await this.t).verifyIntegrity(tenant, request);
  }
  async close(): Promise<void> {
    if (this.opening) await (await this.opening.catch(() => undefined))?.close();
  }
}
