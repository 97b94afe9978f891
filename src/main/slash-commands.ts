import { Batcher } from '../adapters/batcher';
import type { Logger } from '../adapters/logging/logger';
import type { AppQueue, AppWorker, QueueFactory } from '../adapters/queue/queue-backend';
import { pollOnPostgres } from '../adapters/queue/worker-polling';
import { isResponseUrl, responseUrlRespond } from '../adapters/slack/response-url';
import {
  queued,
  runQueued,
  slashCommands,
  type CommandDeps,
  type CommandListener,
  type QueuedCommand,
} from '../../commands';
import { slashCommandProcessor } from '../../jobs/slash-command';

export const SLASH_COMMAND_QUEUE = 'slash-commands';

/** Run once: a use case is not safe to run twice. Kept briefly: a command's text may name people. */
const JOB_OPTS = { attempts: 1, removeOnComplete: true, removeOnFail: { age: 3600 } };

export interface SlashCommandQueue {
  queue: AppQueue<QueuedCommand>;
  /** How `web` registers its slash-command listeners (queued when worker processes run them). */
  wrap(listener: CommandListener): CommandListener;
  /** Starts this process's worker of the queue (worker processes). */
  start(): void;
  stop(): Promise<void>;
}

/**
 * Slash commands between `web` and worker processes. A `web` that runs without workers in its
 * own process (the Procfile's split) acks each command and queues it; a worker runs it and
 * answers at its response_url. A process that is both (console mode, tests) runs them inline.
 */
export function slashCommandQueue(opts: {
  queues: QueueFactory;
  log: Logger;
  deps: CommandDeps;
  /** This process serves Slack and no worker runs in it. */
  queueFromWeb: boolean;
  worker: boolean;
}): SlashCommandQueue {
  const log = opts.log.child({ module: 'slash-commands' });
  const queue = opts.queues.createQueue<QueuedCommand>(SLASH_COMMAND_QUEUE);
  // Queued after the ack, so a command can wait a moment: commands acked within 20 ms go to Redis
  // in one write (each write costs web more CPU than the wait costs anyone). One that fails is
  // retried alone, and run here if the queue still refuses it.
  const adds = new Batcher<QueuedCommand, unknown>(
    (jobs) => queue.addBulk(jobs.map((data) => ({ name: 'command', data, opts: JOB_OPTS }))),
    { maxBatch: 50, concurrency: 2, lingerMs: 20 },
  );
  let worker: AppWorker<QueuedCommand> | undefined;
  return {
    queue,
    wrap(listener) {
      if (!opts.queueFromWeb) return listener;
      return queued(listener, {
        enqueue: async (job) => {
          await adds.submit(job);
        },
        onRunHere: (err, command) =>
          log.warn({ err, command: command.command }, 'slash command not queued; running it here'),
      });
    },
    start() {
      if (!opts.worker) return;
      // The listeners a worker runs (web registers its own with Bolt).
      const commands = slashCommands(opts.deps);
      worker = opts.queues.createWorker<QueuedCommand>(
        SLASH_COMMAND_QUEUE,
        slashCommandProcessor(
          (command, respond) => runQueued(commands.served, commands.unserved, command, respond),
          (url) => responseUrlRespond(url),
          isResponseUrl,
        ),
        // A command holds a pooled connection while it runs: a storm of them must leave the
        // pool to the SLA clocks and Slack deliveries of the same process.
        { concurrency: 4 },
      );
      pollOnPostgres(worker, opts.queues.kind);
      worker.on('failed', (job, err) =>
        log.warn(
          { err, jobId: job?.id, command: job?.data?.command?.command },
          'slash command failed',
        ),
      );
      worker.on('error', (err) => log.error({ err }, 'slash command worker error'));
    },
    async stop() {
      await adds.settle();
      await worker?.close();
      await queue.close();
    },
  };
}
