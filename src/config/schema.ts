import { z } from 'zod';
import { TENANT_ID_PATTERN } from '../domain/tenants/tenant-id';
import { parseIsoDuration } from '../domain/sla/duration';

// One parser for ISO-8601 durations: the config accepts exactly what the SLA math reads, and
// says what the parser says (e.g. `PT0S`: must be longer than zero).
const isoDuration = z.string().superRefine((v, ctx) => {
  try {
    parseIsoDuration(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const tenantId = z.string().regex(TENANT_ID_PATTERN, 'must match [a-z0-9-]{2,40}');
const slackChannel = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id such as C0INCIDENTS');
const slackUser = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U0ALICE');

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.join(' or ')})`,
  );

const severityClocks = z.strictObject({ firstResponse: isoDuration, updateEvery: isoDuration });

export const ROLES = ['commander', 'comms', 'responder', 'scribe', 'approver'] as const;

export const fileConfigSchema = z.strictObject({
  tenants: z
    .array(
      z.strictObject({
        id: tenantId,
        name: z.string().min(1).max(200),
        plan: z.string().min(1).max(60).default('default'),
        commsChannel: slackChannel.optional(),
      }),
    )
    .default([]),
  slaPolicies: z
    .record(z.string(), z.partialRecord(z.enum(['P1', 'P2', 'P3', 'P4']), severityClocks))
    .default({
      default: {
        P1: { firstResponse: 'PT30M', updateEvery: 'PT60M' },
        P2: { firstResponse: 'PT1H', updateEvery: 'PT2H' },
      },
    }),
  security: z
    .strictObject({ notifyWithin: isoDuration.default('PT72H') })
    .default({ notifyWithin: 'PT72H' }),
  postmortem: z
    .strictObject({
      dueBusinessDays: z.number().int().min(1).max(60).default(5),
      holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')).default([]),
      timezone: z.string().default('UTC'),
      /** Handlebars template of the draft; default templates/postmortem.md.hbs. */
      template: z.string().min(1).optional(),
    })
    .default({ dueBusinessDays: 5, holidays: [], timezone: 'UTC' }),
  incidents: z
    .strictObject({ mode: z.enum(['channel', 'thread']).default('channel') })
    .default({ mode: 'channel' }),
  incidentChannel: slackChannel.optional(),
  roles: z
    .array(
      z.strictObject({
        user: slackUser,
        tenant: z.union([z.literal('*'), tenantId]),
        role: z.enum(ROLES),
      }),
    )
    .default([]),
  /** Where platform-wide notices go (RPO watch, key rotation watch); default incidentChannel. */
  platformChannel: slackChannel.optional(),
  apiTokens: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9-]{2,60}$/, 'must match [a-z0-9-]{2,60}'),
        tenant: z.union([z.literal('*'), tenantId]),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the token'),
      }),
    )
    .default([]),
  masking: z
    .strictObject({
      /** Extra patterns masked everywhere masking applies (logs, timeline, Slack, drafts). */
      patterns: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'must match [a-z0-9_-]{1,40}'),
            regex: z.string().min(1).max(500),
            replacement: z.string().max(100).optional(),
          }),
        )
        .default([]),
    })
    .default({ patterns: [] }),
  target: z
    .strictObject({
      schemaPattern: z
        .string()
        .regex(/\{id\}/, 'must contain {id}')
        .default('tenant_{id}'),
      appRole: z
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a Postgres role name')
        .default('saas_app'),
      migrationsDir: z.string().min(1).default('./tenant-migrations'),
      gatewayUrl: url(['http:', 'https:']).optional(),
      /** The SaaS's API, probed by preflight/go-live for X-Tenant-ID enforcement. */
      apiUrl: url(['http:', 'https:']).optional(),
      /** The path under apiUrl the probes GET (it must show the caller's tenant data). */
      probePath: z
        .string()
        .regex(/^\/[^\s?#]*$/, 'must be a path starting with / (no query, no spaces)')
        .default('/'),
      /** Prometheus HTTP API base, for per-tenant load in throttle and preflight. */
      prometheusUrl: url(['http:', 'https:']).optional(),
      /** PromQL instant query giving a tenant's requests per minute; {tenant} is its id. */
      loadQuery: z
        .string()
        .max(2000)
        .regex(/\{tenant\}/, 'must contain {tenant}')
        .default('sum(rate(http_requests_total{tenant_id="{tenant}"}[5m])) * 60'),
    })
    .default({
      schemaPattern: 'tenant_{id}',
      appRole: 'saas_app',
      migrationsDir: './tenant-migrations',
      probePath: '/',
      loadQuery: 'sum(rate(http_requests_total{tenant_id="{tenant}"}[5m])) * 60',
    }),
  backups: z
    .strictObject({
      fullEvery: isoDuration.default('P7D'),
      incrementalEvery: isoDuration.default('P1D'),
      rpo: isoDuration.default('PT24H'),
      rto: isoDuration.default('PT2H'),
    })
    .default({ fullEvery: 'P7D', incrementalEvery: 'P1D', rpo: 'PT24H', rto: 'PT2H' }),
  runbooks: z
    .strictObject({
      /** How long a running step's worker may go unheard before another worker takes the step over. */
      stepLease: isoDuration.default('PT30S'),
    })
    .default({ stepLease: 'PT30S' }),
  vault: z
    .strictObject({
      transitMount: z
        .string()
        .regex(/^[a-z0-9_-]+$/, 'must be a mount name')
        .default('transit'),
      keyName: z
        .string()
        .regex(/\{id\}/, 'must contain {id}')
        .default('tenant-{id}'),
      rotateEvery: isoDuration.default('P180D'),
    })
    .default({ transitMount: 'transit', keyName: 'tenant-{id}', rotateEvery: 'P180D' }),
  alerts: z
    .strictObject({
      tenantLabels: z.array(z.string().min(1)).min(1).default(['tenant_id', 'tenant']),
      rules: z.array(z.unknown()).optional(),
    })
    .optional(),
});

export type FileConfig = z.infer<typeof fileConfigSchema>;

export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  TENANTOPS_DATA_DIR: z.string().min(1).default('./.tenantops'),
  TENANTOPS_CONFIG: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-/, 'must start with xoxb-')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'must start with xapp-')
    .optional(),
  SLACK_API_URL: url(['http:', 'https:']).optional(),
  ALERT_WEBHOOK_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  VAULT_ADDR: url(['http:', 'https:']).optional(),
  VAULT_TOKEN: z.string().min(1).optional(),
  TARGET_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  /** Shared secret signing the control changes POSTed to target.gatewayUrl. */
  GATEWAY_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * The CPU niceness a worker-only process gives itself (0 = unchanged): on a host it shares
   * with `web`, background jobs yield the CPU to Slack's 3-second acks.
   */
  WORKER_NICE: z
    .string()
    .regex(/^(1?[0-9])$/, 'must be a whole number from 0 to 19')
    .default('10')
    .transform(Number),
});

export type Env = z.infer<typeof envSchema>;
