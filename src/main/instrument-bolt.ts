import type { App } from '@slack/bolt';
import type { Metrics } from '../adapters/http/metrics';
import type { Logger } from '../adapters/logging/logger';

/**
 * The slash commands and subcommands the metric names. Its `command` label comes from what users
 * type, so only these become label values (anything else is `<command> other`, an unknown
 * command `other`): a user cannot create series. New subcommands are added here.
 */
export const KNOWN_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  '/incident': [
    'declare',
    'ack',
    'update',
    'status',
    'sev',
    'role',
    'tenant',
    'mitigate',
    'resolve',
    'security',
    'notified',
    'list',
    'postmortem',
    'help',
  ],
  '/runbook': ['list', 'run', 'status', 'approve', 'cancel', 'rollback'],
  '/tenant': ['list', 'status', 'preflight', 'golive'],
};

// Request types Slack sends (Events API and interactivity payloads).
const KNOWN_TYPES = new Set([
  'event_callback',
  'block_actions',
  'block_suggestion',
  'view_submission',
  'view_closed',
  'shortcut',
  'message_action',
  'interactive_message',
  'dialog_submission',
]);

const own = (o: object, key: string) => Object.prototype.hasOwnProperty.call(o, key);

/** The metric's `command` label of a Slack request: from a bounded set, whatever was typed. */
export function commandLabel(body: Record<string, unknown>): string {
  if (typeof body.command === 'string') {
    const command = body.command.toLowerCase();
    if (!own(KNOWN_COMMANDS, command)) return 'other';
    const sub = (typeof body.text === 'string' ? body.text : '').trim().split(/\s+/)[0];
    if (!sub) return command;
    const known = KNOWN_COMMANDS[command] ?? [];
    return known.includes(sub.toLowerCase())
      ? `${command} ${sub.toLowerCase()}`
      : `${command} other`;
  }
  if (typeof body.type === 'string') return KNOWN_TYPES.has(body.type) ? body.type : 'other';
  return 'unknown';
}

/**
 * The command latency histogram; unknown errors reach the log.
 * Returns `drain()`, which resolves once every listener in flight has finished (shutdown).
 */
export function instrumentBolt(
  app: App,
  metrics: Metrics,
  log: Logger,
): { drain(): Promise<void> } {
  const inflight = new Set<Promise<unknown>>();
  app.use(async ({ next }) => {
    // Listeners keep working after ack(); shutdown waits for them before closing pools.
    const work = next();
    inflight.add(work);
    try {
      await work;
    } finally {
      inflight.delete(work);
    }
  });
  app.use(async ({ body, next }) => {
    const command = commandLabel(body as Record<string, unknown>);
    const end = metrics.commandSeconds.startTimer({ command });
    try {
      await next();
      end({ outcome: 'ok' });
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  });
  app.error(async (error) => {
    log.error({ err: error.original ?? error, code: error.code }, 'listener failed');
    return Promise.resolve();
  });
  return {
    async drain() {
      while (inflight.size > 0) await Promise.allSettled([...inflight]);
    },
  };
}
