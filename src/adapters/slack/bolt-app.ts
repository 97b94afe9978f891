import { App, HTTPReceiver, LogLevel, type Logger as BoltLogger, type Receiver } from '@slack/bolt';
import type { Logger } from '../logging/logger';

/** Bolt's logger interface on top of the pino root logger (redaction and masking apply). */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: 'bolt' });
  let level = LogLevel.INFO;
  const fmt = (msg: unknown[]) =>
    msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    debug: (...m: unknown[]) => child.debug(fmt(m)),
    info: (...m: unknown[]) => child.info(fmt(m)),
    warn: (...m: unknown[]) => child.warn(fmt(m)),
    error: (...m: unknown[]) => child.error(fmt(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export type BoltSetup =
  | { mode: 'http'; botToken: string; signingSecret: string; slackApiUrl?: string }
  | { mode: 'socket'; botToken: string; appToken: string; slackApiUrl?: string }
  | { mode: 'console'; receiver: Receiver };

export interface BoltApp {
  app: App;
  /** Set in http mode: mount it at POST /slack/events. */
  httpReceiver?: HTTPReceiver;
}

/** Builds the Bolt app for one of the three ways tenantops meets Slack. */
export function createBoltApp(setup: BoltSetup, log: Logger): BoltApp {
  const logger = boltLogger(log);
  if (setup.mode === 'console') {
    // Bot ids given up front: Bolt would otherwise call auth.test on Slack's servers.
    const app = new App({
      receiver: setup.receiver,
      token: 'xoxb-console',
      botId: 'B0TENANTOPS',
      botUserId: 'U0TENANTOPS',
      tokenVerificationEnabled: false,
      logger,
    });
    return { app };
  }
  const clientOptions = setup.slackApiUrl ? { slackApiUrl: setup.slackApiUrl } : undefined;
  if (setup.mode === 'socket') {
    const app = new App({
      token: setup.botToken,
      appToken: setup.appToken,
      socketMode: true,
      logger,
      clientOptions,
      // No listener reads Bolt's conversation context: skip its store on every request.
      convoStore: false,
    });
    return { app };
  }
  const httpReceiver = new HTTPReceiver({
    signingSecret: setup.signingSecret,
    endpoints: '/slack/events',
    logger,
    // Listeners ack before their I/O, so Slack gets its answer as soon as ack() is called.
    processBeforeResponse: false,
    bodyLimit: 1024 * 1024,
  });
  const app = new App({
    token: setup.botToken,
    receiver: httpReceiver,
    logger,
    clientOptions,
    convoStore: false,
  });
  return { app, httpReceiver };
}
