import { maskPersonalData } from '../../domain/masking';
import { tenantRedactor } from '../../domain/postmortems/tenant-redaction';
import type { AuditTrailRow } from '../../ports/audit-trail';
import type { StepDef } from './runbook-def';

const DAY = 24 * 60 * 60 * 1000;
/** The extract starts this long before the incident was declared: leaks predate their discovery. */
export const EXTRACT_LOOKBACK_MS = 3 * DAY;
const MAX_ROWS = 5000;

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One CSV line per row; other tenants a row concerns are named "another tenant", PII masked. */
export function extractCsv(tenant: string, rows: readonly AuditTrailRow[]): string {
  const header = 'at,actor,action,outcome,tenants,incident,reason';
  const lines = rows.map((r) => {
    const others = r.tenantIds.filter((t) => t !== tenant);
    const hide = tenantRedactor(others.map((id) => ({ id })));
    const tenants = [tenant, ...(others.length ? [`+${others.length} other`] : [])].join(' ');
    return [
      r.at.toISOString(),
      r.actor,
      r.action,
      r.outcome,
      tenants,
      r.incident ? `INC-${r.incident}` : '',
      hide(maskPersonalData(r.reason ?? '')),
    ]
      .map(csvCell)
      .join(',');
  });
  return [header, ...lines].join('\n') + '\n';
}

/** tenantops' audit log for the incident window, filtered to the tenant, as a file in the incident. */
export const auditExtract: StepDef = {
  id: 'audit-extract',
  title: "File the audit-log extract for the incident window (tenantops' log, this tenant only)",
  plan: (ctx) =>
    Promise.resolve(
      `export tenantops' audit log rows of ${ctx.tenant} from 72 h before the incident was declared until now, as a CSV file in the incident`,
    ),
  async run(ctx) {
    const ops = ctx.ops();
    const declared = ctx.context.incidentDeclaredAt
      ? new Date(ctx.context.incidentDeclaredAt as string)
      : ctx.run.createdAt;
    const window = { from: new Date(declared.getTime() - EXTRACT_LOOKBACK_MS), to: ctx.now() };
    const rows = await ops.audit.rowsOf(ctx.tenant, window, MAX_ROWS);
    const incident = ctx.context.securityIncident as number | undefined;
    const place = (ctx.context.incidentPlace ?? {}) as {
      channel?: string | null;
      threadTs?: string | null;
    };
    const channel = place.channel ?? ctx.run.place.channel;
    const threadTs = place.channel ? place.threadTs : ctx.run.place.threadTs;
    const name = `audit-${ctx.tenant}-${incident ? `INC-${incident}` : `RB-${ctx.run.number}`}.csv`;
    const span = `${window.from.toISOString()} – ${window.to.toISOString()}`;
    if (!channel)
      return { summary: `${rows.length} audit rows (${span}); no channel to file them in` };
    await ops.notices.shareFile(
      { channel, ...(threadTs ? { threadTs } : {}) },
      {
        filename: name,
        title: `Audit-log extract of ${ctx.tenant} (${span})`,
        content: extractCsv(ctx.tenant, rows),
        comment: `Audit-log extract of ${ctx.tenant} for ${incident ? `INC-${incident}` : `RB-${ctx.run.number}`}: ${rows.length} rows${rows.length === MAX_ROWS ? ' (first 5000)' : ''}, ${span}.`,
      },
    );
    return {
      summary: `${name}: ${rows.length} rows (${span}) filed${incident ? ` in INC-${incident}` : ''}`,
    };
  },
};
