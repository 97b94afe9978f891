import type { LoadAlert, MetricReading, TenantLoad } from '../domain/target/tenant-load';

/** tenantops' own alerts of a tenant (the alert tables), scoped to that tenant. */
export interface TenantAlertHistory {
  /** Alerts firing now, and those resolved since `since`, most recent first (at most `limit`). */
  recentAlerts(tenant: string, since: Date, limit?: number): Promise<LoadAlert[]>;
}

/**
 * The tenant's request rate from Prometheus' HTTP API (`GET /api/v1/query`, an instant query
 * of `target.loadQuery`). Never throws for Prometheus' failures: timeout, 5xx, a query
 * Prometheus refuses (400/422) and unreadable answers come back as `failed` with the reason.
 */
export interface TenantMetrics {
  requestsPerMinute(tenant: string): Promise<MetricReading>;
}

/** The tenant's recent load for `tenant-throttle` (and status): its alerts and request rate. */
export interface TenantLoadSource {
  recentLoad(tenant: string): Promise<TenantLoad>;
}
