import path from 'node:path';
import type { CustomerDeps } from '../app/customer-updates';
import { customerListener } from '../app/customer-updates';
import { draftForReader, uploadDraft } from '../app/postmortem-api';
import type { PostmortemCapability, PostmortemDeps } from '../app/postmortem-deps';
import { postmortemListener } from '../app/postmortem-listener';
import { postmortemDraftProcessor } from '../../jobs/postmortem-draft';
import { postmortemStatusSection } from '../../commands/postmortem-subcommands';
import { POSTMORTEM_QUEUE, type DraftJobData } from '../ports/draft-announcer';
import type { PostmortemContributor } from '../ports/postmortem-store';
import { postmortemRoutes } from '../adapters/http/postmortem-routes';
import { PgCustomerMessageStore } from '../adapters/postgres/pg-customer-messages';
import { PgPostmortemStore } from '../adapters/postgres/pg-postmortem-store';
import { BullmqDraftJobs } from '../adapters/queue/postmortem-queue';
import type { AppWorker } from '../adapters/queue/queue-backend';
import { pollOnPostgres } from '../adapters/queue/worker-polling';
import { SlackCustomerComms } from '../adapters/slack/customer-comms';
import { ChatDraftAnnouncer } from '../adapters/slack/postmortem-announcer';
import { PostmortemRenderer } from '../adapters/templates/postmortem-renderer';
import type { ModuleContext, ModuleFactory, RuntimeModule } from './module';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PostmortemModuleOptions {
  /** Other capabilities' parts of the draft (the runbook module's runs), built from the context. */
  contributors?: (ctx: ModuleContext) => PostmortemContributor[];
}

function capability(ctx: ModuleContext, opts: PostmortemModuleOptions): PostmortemCapability {
  const pm = ctx.config.file.postmortem;
  const log = ctx.log.child({ module: 'postmortem' });
  // A relative template path is read from the config file's folder.
  const template = pm.template
    ? path.resolve(path.dirname(ctx.config.configPath), pm.template)
    : undefined;
  const renderer = new PostmortemRenderer(pm.timezone, template, (err) =>
    log.error({ file: err.file, line: err.line }, `post-mortem template: ${err.message}`),
  );
  const tenantNames = new Map(ctx.config.file.tenants.map((t) => [t.id, t.name]));
  const drafts: PostmortemDeps = {
    incidents: ctx.incidents,
    store: new PgPostmortemStore(ctx.storage.db),
    renderer,
    contributors: opts.contributors?.(ctx) ?? [],
    announcer: new ChatDraftAnnouncer(ctx.chat, pm.timezone),
    clock: ctx.clock,
    settings: {
      timezone: pm.timezone,
      dueBusinessDays: pm.dueBusinessDays,
      holidays: pm.holidays,
      tenantNames,
    },
    log,
  };
  const customer: CustomerDeps = {
    incidents: ctx.incidents,
    messages: new PgCustomerMessageStore(ctx.storage.db),
    comms: new SlackCustomerComms(ctx.chat, pm.timezone),
    clock: ctx.clock,
    policies: ctx.config.file.slaPolicies,
    tenantNames,
    log,
  };
  return { drafts, customer };
}

/**
 * Post-mortems and customer communication (issue 11): drafts at resolve (a BullMQ job) and on
 * `/incident postmortem`, the HTTP endpoint, customer-update and security-notice drafts in the
 * tenants' comms channels. Its listeners come after the SLA module's, so an update's draft
 * reads the clock the update just reset.
 */
export function createPostmortemModule(opts: PostmortemModuleOptions = {}): ModuleFactory {
  return (ctx): RuntimeModule => {
    const pm = capability(ctx, opts);
    const queue = ctx.queues.createQueue<DraftJobData>(POSTMORTEM_QUEUE);
    (ctx.incidents.listeners ??= []).push(
      postmortemListener(new BullmqDraftJobs(queue), pm.drafts.log),
      customerListener(pm.customer),
    );
    let worker: AppWorker<DraftJobData> | undefined;
    return {
      name: 'postmortem',
      queues: [queue],
      routes: ctx.web
        ? postmortemRoutes({
            tokens: ctx.config.file.apiTokens,
            read: (reader, n) => draftForReader(pm.drafts, reader, n),
            upload: (reader, n, text) => uploadDraft(pm.drafts, reader, n, text),
          })
        : [],
      statusSections: [postmortemStatusSection(pm)],
      commandDeps: { postmortems: pm },
      readiness: [
        { name: 'postmortems', check: async () => void (await queue.getJobCounts('waiting')) },
      ],
      async queueDepths() {
        const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
        return Object.entries(counts).map(([state, count]) => ({
          queue: POSTMORTEM_QUEUE,
          state,
          count,
        }));
      },
      start() {
        if (!ctx.worker) return Promise.resolve();
        worker = ctx.queues.createWorker<DraftJobData>(
          POSTMORTEM_QUEUE,
          postmortemDraftProcessor(pm.drafts),
          { concurrency: 2 },
        );
        pollOnPostgres(worker, ctx.queues.kind);
        worker.on('failed', (job, err) =>
          pm.drafts.log.warn({ err, jobId: job?.id }, 'post-mortem draft job failed'),
        );
        worker.on('error', (err) => pm.drafts.log.error({ err }, 'post-mortem worker error'));
        return Promise.resolve();
      },
      async stop() {
        await worker?.close();
      },
      async idle() {
        for (let i = 0; worker && i < 300; i++) {
          const c = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
          if (!c.active && !c.waiting && !c.prioritized && !c.delayed) return;
          await sleep(100);
        }
      },
    };
  };
}

export const postmortemModule: ModuleFactory = createPostmortemModule();
