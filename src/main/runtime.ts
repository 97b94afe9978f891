import type { Readable } from 'node:stream';
import { WebClient } from '@slack/web-api';
import type { App } from '@slack/bolt';
import type { AppConfig } from '../config/load-config';
import { systemClock, type Clock } from '../ports/clock';
import type { ChatPort } from '../ports/chat';
import { createLogger, type Logger } from '../adapters/logging/logger';
import { configureMasking } from '../domain/masking';
import { HttpServer, type Route } from '../adapters/http/http-server';
import { Metrics } from '../adapters/http/metrics';
import { incidentCounts } from '../adapters/postgres/pg-metrics-source';
import { assertMigrated } from '../adapters/postgres/migrator';
import { createQueueFactory, type QueueFactory } from '../adapters/queue/queue-backend';
import { createBoltApp } from '../adapters/slack/bolt-app';
import { WebChat } from '../adapters/slack/web-chat';
import { ConsoleChat } from '../adapters/console/console-chat';
import { ConsoleReceiver } from '../adapters/console/console-receiver';
import { consoleLogDestination } from '../adapters/console/console-log';
import { register, type CommandDeps } from '../../commands';
import { slashCommandQueue } from './slash-commands';
import { incidentDeps, prepareDatabase } from './deps';
import { openStorage, type Storage } from './storage';
import { adminQueueRoutes, coreRoutes } from './web-routes';
import { instrumentBolt } from './instrument-bolt';
import type { ModuleContext, RuntimeModule } from './module';
import { MODULES } from './modules';
import { queuedSlackChat } from './slack-delivery-module';

export interface RuntimeOptions {
  web: boolean;
  worker: boolean;
  /** Apply migrations at start (single process and release); otherwise require them applied. */
  migrate: boolean;
  /** Console mode: read commands from `input`, print bot messages with `write`. */
  console?: {
    input: Readable;
    write: (line: string) => void;
    user?: string;
    channel?: string;
    /** ANSI styles (bold, italic, code) in bot messages: stdout is a terminal. */
    ansi?: boolean;
  };
  /** Tests: a schema of their own on real Postgres, a queue prefix of their own. */
  schema?: string;
  queuePrefix?: string;
  clock?: Clock;
  logger?: Logger;
}

export interface Runtime {
  log: Logger;
  storage: Storage;
  queues: QueueFactory;
  port?: number;
  app?: App;
  /** Resolves when a console session has read all input and finished its work. */
  finished: Promise<void>;
  stop(): Promise<void>;
}

function chatFor(
  config: AppConfig,
  opts: RuntimeOptions,
  queues: QueueFactory,
  storage: Storage,
): ChatPort {
  if (opts.console)
    return new ConsoleChat(opts.console.write, consoleChannels(config), {
      ansi: opts.console.ansi,
    });
  const client = new WebClient(config.env.SLACK_BOT_TOKEN, {
    slackApiUrl: config.env.SLACK_API_URL,
    // Retries, Retry-After and per-channel pacing belong to the slack-delivery queue, not the SDK.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
  return queuedSlackChat(new WebChat(client), queues, storage.db);
}

function consoleChannels(config: AppConfig): Record<string, string> {
  const names: Record<string, string> = { C0CONSOLE: 'console' };
  if (config.file.incidentChannel) names[config.file.incidentChannel] = 'incidents';
  for (const t of config.file.tenants) if (t.commsChannel) names[t.commsChannel] = `${t.id}-comms`;
  return names;
}

/** The composition root shared by `npm start`, `web`, `worker` and the integration tests. */
export async function startRuntime(config: AppConfig, opts: RuntimeOptions): Promise<Runtime> {
  // Process-wide, before any log line: use cases and the logger mask with no config in reach.
  configureMasking(config.file.masking.patterns);
  // Console mode owns the terminal for the conversation; its logs go to a file under dataDir.
  const consoleLog =
    opts.console && !opts.logger ? consoleLogDestination(config.dataDir) : undefined;
  const log =
    opts.logger ?? createLogger({ level: config.env.LOG_LEVEL, destination: consoleLog?.stream });
  const storage = await openStorage(config, log, opts.schema);
  const closers: (() => Promise<void>)[] = [() => storage.close()];
  const stop = async () => {
    for (const close of closers.splice(0).reverse())
      await close().catch((err: unknown) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    if (opts.migrate) await prepareDatabase(config, storage, log, { migrate: true });
    else {
      await assertMigrated(storage.db);
      await prepareDatabase(config, storage, log, { migrate: false });
    }
    const queues = createQueueFactory({
      redisUrl: config.env.REDIS_URL,
      postgresUrl: storage.postgresUrl,
      prefix: opts.queuePrefix,
    });
    closers.push(() => queues.close());
    const chat = chatFor(config, opts, queues, storage);
    const deps = incidentDeps(config, storage, chat, { clock: opts.clock });
    const metrics = new Metrics();
    const ctx: ModuleContext = {
      config,
      log,
      storage,
      queues,
      chat,
      clock: opts.clock ?? systemClock,
      metrics,
      incidents: deps,
      web: opts.web || Boolean(opts.console),
      worker: opts.worker,
      console: Boolean(opts.console),
    };
    const modules: RuntimeModule[] = [];
    for (const factory of MODULES) modules.push(await factory(ctx));
    metrics.attach({
      incidentCounts: () => incidentCounts(storage.db),
      queueDepths: async () =>
        (
          await Promise.all(
            modules.map((m) => (m.queueDepths ? m.queueDepths() : Promise.resolve([]))),
          )
        ).flat(),
    });

    const commandDeps: CommandDeps = {
      incidents: deps,
      chat,
      statusSections: modules.flatMap((m) => m.statusSections ?? []),
      tenantSections: modules.flatMap((m) => m.tenantSections ?? []),
      ...(Object.assign({}, ...modules.map((m) => m.commandDeps ?? {})) as Partial<CommandDeps>),
    };
    const slash = slashCommandQueue({
      queues,
      log,
      deps: commandDeps,
      queueFromWeb: opts.web && !opts.worker && !opts.console,
      // Console mode is one process on its own storage: nothing else can queue a command there.
      worker: opts.worker && !opts.console,
    });
    closers.push(() => slash.stop());

    let finished = Promise.resolve();
    let app: App | undefined;
    let server: HttpServer | undefined;
    let drainListeners = (): Promise<void> => Promise.resolve();
    let port: number | undefined;
    if (opts.web || opts.console) {
      let consoleEnded: (() => void) | undefined;
      finished = new Promise<void>((resolve) => (consoleEnded = resolve));
      const receiver = opts.console
        ? new ConsoleReceiver({
            input: opts.console.input,
            write: opts.console.write,
            chat: chat as ConsoleChat,
            user: opts.console.user ?? 'U0ALICE',
            channel: opts.console.channel ?? 'C0CONSOLE',
            logFile: consoleLog?.file,
            extra: modules.flatMap((m) => m.consoleCommands ?? []),
            idle: async () => {
              for (const m of modules) await m.idle?.();
            },
            onEnd: async () => {
              for (const m of modules) await m.idle?.();
              consoleEnded?.();
            },
          })
        : undefined;
      const bolt = createBoltApp(
        receiver
          ? { mode: 'console', receiver }
          : config.slackMode === 'socket'
            ? {
                mode: 'socket',
                botToken: config.env.SLACK_BOT_TOKEN as string,
                appToken: config.env.SLACK_APP_TOKEN as string,
                slackApiUrl: config.env.SLACK_API_URL,
              }
            : {
                mode: 'http',
                botToken: config.env.SLACK_BOT_TOKEN as string,
                signingSecret: config.env.SLACK_SIGNING_SECRET as string,
                slackApiUrl: config.env.SLACK_API_URL,
              },
        log,
      );
      app = bolt.app;
      const listeners = instrumentBolt(app, metrics, log);
      drainListeners = () => listeners.drain();
      register(app, commandDeps, (listener) => slash.wrap(listener));
      const routes: Route[] = coreRoutes({
        metrics,
        log,
        ...(config.env.METRICS_TOKEN ? { metricsToken: config.env.METRICS_TOKEN } : {}),
        slack: bolt.httpReceiver,
        readiness: [
          { name: 'database', check: () => storage.db.ping() },
          { name: 'queue', check: () => queuesPing(queues) },
          ...modules.flatMap((m) => m.readiness ?? []),
        ],
      });
      routes.push(...modules.flatMap((m) => m.routes ?? []));
      if (opts.web) {
        const adminToken = config.env.ADMIN_TOKEN;
        const dashboard = [slash.queue, ...modules.flatMap((m) => m.queues ?? [])];
        routes.push(
          ...(await adminQueueRoutes({ adminToken, queues: dashboard, backend: queues.kind, log })),
        );
        server = new HttpServer(routes, metrics, (err, route) =>
          log.error({ err, route }, 'request failed'),
        );
        port = await server.listen(config.env.PORT);
        log.info({ port, slackMode: opts.console ? 'console' : config.slackMode }, 'web listening');
      }
      // HTTP mode mounts Bolt's receiver on our server; App.start() would open a second one.
      if (!bolt.httpReceiver) {
        await app.start();
        closers.push(() => app?.stop() as Promise<void>);
      }
      if (!opts.console) consoleEnded?.();
    }
    slash.start();
    for (const m of modules) {
      await m.start?.();
      if (m.stop) closers.push(() => (m.stop as () => Promise<void>)());
    }
    // Shutdown runs closers last-first: stop taking HTTP requests, then let workers finish, then pools.
    const http = server;
    closers.push(() => drainListeners());
    if (http) closers.push(() => http.close());
    return { log, storage, queues, port, app, finished, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function queuesPing(queues: QueueFactory): Promise<void> {
  const probe = queues.createQueue('readiness');
  try {
    await probe.getJobCounts('waiting');
  } finally {
    await probe.close();
  }
}
