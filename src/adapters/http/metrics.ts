import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  /** Incidents grouped by tenant, severity and state (platform-wide read). */
  incidentCounts(): Promise<{ tenant: string; severity: string; state: string; count: number }[]>;
  /** Jobs waiting/delayed/active per queue. */
  queueDepths(): Promise<{ queue: string; state: string; count: number }[]>;
}

/** tenantops' Prometheus metrics, prefix `tenantops_`, per-tenant labels where they apply. */
export class Metrics {
  readonly registry = new Registry();
  readonly commandSeconds: Histogram<'command' | 'outcome'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  private sources?: MetricsSources;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tenantops_' });
    this.commandSeconds = new Histogram({
      name: 'tenantops_command_duration_seconds',
      help: 'Time from a Slack request arriving to its listener finishing, by command',
      labelNames: ['command', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'tenantops_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'],
      registers: [this.registry],
    });
    const sources = () => this.sources;
    new Gauge({
      name: 'tenantops_incidents',
      help: 'Incidents by affected tenant, severity and state',
      labelNames: ['tenant', 'severity', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of (await sources()?.incidentCounts()) ?? []) {
          this.set({ tenant: row.tenant, severity: row.severity, state: row.state }, row.count);
        }
      },
    });
    new Gauge({
      name: 'tenantops_queue_jobs',
      help: 'BullMQ jobs by queue and state',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const row of (await sources()?.queueDepths()) ?? [])
          this.set({ queue: row.queue, state: row.state }, row.count);
      },
    });
  }

  attach(sources: MetricsSources): void {
    this.sources = sources;
  }
}
