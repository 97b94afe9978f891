import { DomainError } from '../../domain/errors';
import { runRef, type Run } from '../../domain/runbooks/runbook';
import { parseEndpointPath } from '../../domain/target/controls';
import { describeFinding, findingsFor, summarizeAudit } from '../../domain/target/rls-audit';
import { controlStep } from './control-steps';
import { auditExtract } from './leak-audit-extract';
import { damageStep, keySteps } from './leak-checks';
import { approvalStep, type RunbookDef, type StepContext, type StepDef } from './runbook-def';

const TITLE = (tenant: string) => `Suspected cross-tenant data leak: ${tenant}`;

const securityIncident: StepDef = {
  id: 'security-incident',
  title: 'Open or join a P1 security incident (its 72 h notification clock starts)',
  plan: (ctx) =>
    Promise.resolve(
      `${ctx.run.incident ? `join INC-${ctx.run.incident}` : `join ${ctx.tenant}'s open security incident or declare a P1`}, mark it as a security incident (notify customers within 72 h); rollback does not close it`,
    ),
  async run(ctx) {
    const security = ctx.ops().security;
    if (!security)
      throw new DomainError('no_security', 'Security incidents are not available in this build.');
    const ref = await security.openOrJoin({ user: ctx.run.requestedBy }, ctx.tenant, {
      ...(ctx.run.incident ? { ref: ctx.run.incident } : {}),
      title: TITLE(ctx.tenant),
    });
    return {
      summary: `INC-${ref.number}: ${ref.actions.join('; ')}`,
      data: {
        securityIncident: ref.number,
        incidentPlace: { channel: ref.channel, threadTs: ref.threadTs },
        incidentDeclaredAt: ref.declaredAt.toISOString(),
      },
      // The run belongs to that incident from now on: its notes reach the incident's timeline.
      incident: ref.number,
    };
  },
};

const approveReadOnly = approvalStep(
  'approve-read-only',
  "Approval to make the tenant read-only (it stops the customer's writes; a second person)",
);

const readOnly: StepDef = {
  id: 'read-only',
  title: "Read-only mode (flag on, the app role's writes revoked)",
  async plan(ctx) {
    const schema = await ctx.target().schemaOf(ctx.tenant);
    return `set read_only for ${ctx.tenant} and revoke INSERT/UPDATE/DELETE/TRUNCATE on ${schema} from the app role; rollback makes it writable again`;
  },
  async run(ctx) {
    const state = await ctx.target().pauseWrites(ctx.tenant);
    if (!state.paused)
      throw new DomainError(
        'pause_failed',
        `writes still go through on ${state.writable.map((t) => t.table).join(', ')}`,
      );
    return { summary: `READ-ONLY: a write as the app role is refused on ${state.schema}` };
  },
  async undo(ctx) {
    const state = await ctx.target().resumeWrites(ctx.tenant);
    return state.paused
      ? `writes still paused on ${state.schema}!`
      : `writable again on ${state.schema}`;
  },
};

const rlsAudit: StepDef = {
  id: 'rls-audit',
  title: 'Audit RLS policies and privileges on the target',
  plan: () =>
    Promise.resolve(
      'read-only catalog queries: RLS, policies, roles, cross-tenant grants, views, SECURITY DEFINER functions',
    ),
  async run(ctx) {
    const report = await ctx.target().auditRls(await ctx.ops().tenantIds());
    const findings = findingsFor(report, ctx.tenant);
    const lines = findings.slice(0, 8).map(describeFinding);
    const more = findings.length > 8 ? ` (+${findings.length - 8} more)` : '';
    return {
      summary: `${summarizeAudit(report, findings)}${lines.length ? `\n${lines.join('\n')}${more}` : ''}`,
      data: { rlsFindings: findings.map(describeFinding) },
    };
  },
};

const offerRestore: StepDef = {
  id: 'offer-restore',
  title: 'Offer tenant-restore if data was altered',
  plan: () =>
    Promise.resolve('if the integrity check found damage, post a button starting tenant-restore'),
  async run(ctx) {
    const damaged = (ctx.context.damagedTables ?? []) as string[];
    if (damaged.length === 0) return { summary: 'no altered data found: no restore offered' };
    await ctx.ops().notices.restoreOffer(ctx.run, {
      findings: (ctx.context.damageProblems ?? damaged) as string[],
      incident: (ctx.context.securityIncident as number | undefined) ?? ctx.run.incident,
    });
    return { summary: `tenant-restore offered (altered: ${damaged.join(', ')})` };
  },
};

function inForce(run: Run): string[] {
  const done = (id: string) => run.steps.some((s) => s.id === id && s.state === 'done');
  const out: string[] = [];
  if (done('block-endpoint')) out.push(`${run.params.endpoint ?? 'the endpoint'} is still blocked`);
  if (done('read-only')) out.push(`${run.tenant} is still READ-ONLY`);
  return out;
}

/**
 * `tenant-leak-response <tenant> [endpoint=<path>] [incident=INC-n]` (seed §4, cross-tenant
 * leak): block the endpoint, open or join a P1 security incident, read-only after an approval,
 * rotate the tenant's key, RLS audit, integrity check, the audit-log extract filed in the
 * incident, and a restore offered when data was altered. A failure keeps the containment in
 * force (and says so); `/runbook rollback` lifts it: unblock and writable again. The key
 * rotation and the incident stay.
 */
export const leakRunbook: RunbookDef = {
  name: 'tenant-leak-response',
  summary:
    'cross-tenant leak: block the endpoint, P1 security incident, read-only (approval), rotate the key, RLS audit, audit-log extract, restore offer',
  destructive: true,
  needsTarget: true,
  async precheck(ctx) {
    if (ctx.params.endpoint) parseEndpointPath(ctx.params.endpoint);
    await ctx.target().schemaOf(ctx.tenant);
  },
  steps: (params) => [
    ...(params.endpoint
      ? [
          controlStep({
            id: 'block-endpoint',
            title: `Block ${params.endpoint} for the tenant`,
            settings: (ctx: StepContext) => [
              { kind: 'block_endpoint', path: ctx.params.endpoint as string },
            ],
          }),
        ]
      : []),
    securityIncident,
    approveReadOnly,
    readOnly,
    ...keySteps,
    rlsAudit,
    damageStep,
    auditExtract,
    offerRestore,
  ],
  failureOutcome(run) {
    const failed = typeof run.context.failedStep === 'string' ? run.context.failedStep : 'a step';
    const why = typeof run.context.failure === 'string' ? run.context.failure : 'see the step';
    const kept = inForce(run);
    return `"${failed}" failed: ${why}. ${kept.length ? `Containment stays in force: ${kept.join('; ')}. \`/runbook rollback ${runRef(run.number)}\` lifts it.` : 'No containment was in force.'}`;
  },
};
