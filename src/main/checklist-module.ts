import { CHECKLIST_MESSAGE, type ChecklistDeps } from '../app/checklists/run-checklist';
import { lastChecklists } from '../app/checklists/run-checklist';
import { parseIsoDuration } from '../domain/sla/duration';
import { shippedTenantAlerts } from '../adapters/alert-rules-file';
import { targetHttpFromConfig } from '../adapters/http/target-http';
import { PgBackupCatalog } from '../adapters/postgres/pg-backup-catalog';
import { PgChecklistStore } from '../adapters/postgres/pg-checklist-store';
import { PgRunbookStore } from '../adapters/postgres/pg-runbook-store';
import { checklistMessageSource } from '../adapters/slack/checklist-message-source';
import { renderChecklistLine, renderKeyLine } from '../../templates/checklist-message';
import { tenantKeyView } from '../app/checklists/tenant-key-view';
import { outboxFor } from './deps';
import type { ModuleFactory, RuntimeModule } from './module';
import { openTenantKeys } from './tenant-keys';

/**
 * `/tenant preflight` and `/tenant golive` (PRODUCT §1 seed §1 and §8): the checks' sources
 * (tenant keys, backup catalog, runs, the X-Tenant-ID probe and Prometheus when configured),
 * the checklist store, its live message, and its line in `/tenant status`. The RLS audit uses
 * the runbooks' target, joined in by the command (the runbook module owns the connection).
 */
export const checklistModule: ModuleFactory = (ctx): RuntimeModule => {
  const store = new PgChecklistStore(ctx.storage.db);
  const outbox = outboxFor(ctx.chat);
  outbox.register(
    CHECKLIST_MESSAGE,
    checklistMessageSource({ store, outbox, kind: CHECKLIST_MESSAGE }),
  );
  const http = targetHttpFromConfig(ctx.config.file.target, ctx.config.env);
  const alerts = shippedTenantAlerts();
  const deps: ChecklistDeps = {
    incidents: ctx.incidents,
    store,
    outbox,
    sources: {
      clock: ctx.clock,
      // The renewal of VAULT_TOKEN is the runbook module's; this client only reads.
      keys: openTenantKeys(ctx).keys,
      rotateEvery: ctx.config.file.vault.rotateEvery,
      catalog: new PgBackupCatalog(ctx.storage.db),
      rpoMs: parseIsoDuration(ctx.config.file.backups.rpo),
      runs: new PgRunbookStore(ctx.storage.db),
      tenants: () => ctx.config.file.tenants.map((t) => t.id),
      ...(http.probe ? { probe: http.probe } : {}),
      ...(http.metrics ? { metrics: http.metrics } : {}),
      shippedAlerts: alerts,
    },
  };
  return {
    name: 'checklists',
    commandDeps: { checklists: deps },
    tenantSections: [
      async (_actor, tenant) => [
        renderKeyLine(
          await tenantKeyView(deps.sources.keys, deps.sources.rotateEvery, ctx.clock.now(), tenant),
        ),
      ],
      async (_actor, tenant) => (await lastChecklists(deps, tenant)).map(renderChecklistLine),
    ],
  };
};
