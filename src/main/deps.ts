import { QueuedChat } from '../adapters/queue/slack-delivery-chat';
import type { AppConfig } from '../config/load-config';
import type { IncidentDeps, IncidentListener } from '../app/incident-deps';
import type { RoleBinding } from '../domain/access/access';
import { systemClock, type Clock } from '../ports/clock';
import type { ChatPort } from '../ports/chat';
import { PgAccessStore, PgAuditLog } from '../adapters/postgres/pg-access-store';
import { PgIncidentStore } from '../adapters/postgres/pg-incident-store';
import { migrate } from '../adapters/postgres/migrator';
import { ChatIncidentNotifier } from '../adapters/slack/chat-incident-notifier';
import { DirectChatOutbox } from '../adapters/slack/direct-chat-outbox';
import type { ChatOutbox } from '../ports/chat-outbox';
import type { Logger } from '../adapters/logging/logger';
import type { Storage } from './storage';

/** Applies migrations (single-process and release only) and loads the config's tenants and roles. */
/** The durable outbox in front of `chat`: the delivery queue's, or straight onto the chat (console). */
export function outboxFor(chat: ChatPort): ChatOutbox {
  return chat instanceof QueuedChat ? chat.outbox : new DirectChatOutbox(chat);
}

export async function prepareDatabase(
  config: AppConfig,
  storage: Storage,
  log: Logger,
  opts: { migrate: boolean },
): Promise<void> {
  if (opts.migrate) {
    const applied = await migrate(storage.db);
    if (applied.length > 0) log.info({ applied }, 'database migrations applied');
  }
  const access = new PgAccessStore(storage.db);
  await access.syncFromConfig(
    config.file.tenants.map((t) => ({
      id: t.id,
      name: t.name,
      plan: t.plan,
      commsChannel: t.commsChannel ?? null,
    })),
    config.file.roles.map((r): RoleBinding => ({ user: r.user, tenant: r.tenant, role: r.role })),
  );
}

/** The incident use cases' dependencies, wired to Postgres and the given chat. */
export function incidentDeps(
  config: AppConfig,
  storage: Storage,
  chat: ChatPort,
  opts: { clock?: Clock; listeners?: IncidentListener[] } = {},
): IncidentDeps {
  return {
    store: new PgIncidentStore(storage.db),
    access: new PgAccessStore(storage.db),
    audit: new PgAuditLog(storage.db),
    notifier: new ChatIncidentNotifier(chat, {
      mode: config.file.incidents.mode,
      incidentChannel: config.file.incidentChannel,
      outbox: outboxFor(chat),
    }),
    clock: opts.clock ?? systemClock,
    listeners: opts.listeners ?? [],
  };
}
