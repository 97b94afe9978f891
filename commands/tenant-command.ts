import { listTenants, tenantStatus } from '../src/app/incident-queries';
import { DomainError } from '../src/domain/errors';
import { incidentRef } from '../src/domain/incidents/incident';
import { escapeMrkdwn, plainToMrkdwn } from '../templates/mrkdwn';
import { answering, replier, type CommandDeps } from './command-support';
import { checklistSubcommand } from './tenant-checklist';
import type { CommandArgs } from './slash-queue';

type Args = CommandArgs;

const USAGE =
  '`/tenant list` · `/tenant status <tenant>` · `/tenant preflight <tenant>` · `/tenant golive <tenant>`';

/** `/tenant list | status <tenant> | preflight <tenant> | golive <tenant>`. */
export function tenantCommand(deps: CommandDeps) {
  return async ({ command, ack, respond }: Args): Promise<void> => {
    await ack();
    const actor = { user: command.user_id, channel: command.channel_id };
    const reply = replier(deps.chat, respond, command.channel_id, command.user_id);
    await answering(reply, async () => {
      const [sub = '', arg] = command.text.trim().split(/\s+/);
      switch (sub.toLowerCase()) {
        case 'list': {
          const tenants = await listTenants(deps.incidents, actor);
          // Names and plans come from the config file: text, not markup.
          const lines = tenants.map(
            (t) => `• *${t.id}* — ${escapeMrkdwn(t.name)} (plan ${escapeMrkdwn(t.plan)})`,
          );
          return reply({
            text: tenants.length
              ? `Your tenants:\n${lines.join('\n')}`
              : 'You have no role on any tenant.',
          });
        }
        case 'status': {
          if (!arg) throw new DomainError('missing_tenant', `Name the tenant.\nUsage: ${USAGE}`);
          const s = await tenantStatus(deps.incidents, actor, arg.toLowerCase());
          if (!s)
            throw new DomainError(
              'unknown_tenant',
              `Unknown tenant \`${arg}\`, or you have no role on it.`,
            );
          const open = s.open.map(
            (i) =>
              `• ${incidentRef(i.number)} ${i.severity} ${i.state} — ${plainToMrkdwn(i.title)}`,
          );
          const head = `*${escapeMrkdwn(s.tenant.name)}* (\`${s.tenant.id}\`, plan ${escapeMrkdwn(s.tenant.plan)})`;
          const sections = await Promise.all(deps.tenantSections.map((f) => f(actor, s.tenant.id)));
          return reply({
            text: [
              head,
              open.length ? `Open incidents:\n${open.join('\n')}` : 'No open incidents.',
              ...sections.flat(),
            ].join('\n'),
          });
        }
        case 'preflight':
        case 'golive': {
          if (!arg) throw new DomainError('missing_tenant', `Name the tenant.\nUsage: ${USAGE}`);
          const kind = sub.toLowerCase() as 'preflight' | 'golive';
          return checklistSubcommand(deps, actor, kind, arg.toLowerCase(), reply);
        }
        default:
          throw new DomainError(
            'unknown_subcommand',
            `${sub ? `I don't know \`${sub}\`.` : 'Tell me what to do.'}\nUsage: ${USAGE}`,
          );
      }
    });
  };
}
