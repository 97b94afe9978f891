import type { Clock } from '../ports/clock';
import type { TenantAlertHistory, TenantLoadSource, TenantMetrics } from '../ports/tenant-load';

export interface TenantLoadDeps {
  alerts: TenantAlertHistory;
  /** Prometheus, when `target.prometheusUrl` is set. */
  metrics?: TenantMetrics;
  clock: Clock;
  /** How far back resolved alerts count (default 1 h). */
  windowMs?: number;
}

/**
 * The tenant's recent load for `tenant-throttle`: its alerts firing now or resolved within the
 * window, and its request rate when Prometheus is configured (read at the same time).
 */
export function makeTenantLoadSource(deps: TenantLoadDeps): TenantLoadSource {
  return {
    async recentLoad(tenant) {
      const since = new Date(deps.clock.now().getTime() - (deps.windowMs ?? 60 * 60 * 1000));
      const [alerts, metrics] = await Promise.all([
        deps.alerts.recentAlerts(tenant, since),
        deps.metrics?.requestsPerMinute(tenant) ?? { status: 'not_configured' as const },
      ]);
      const firing = alerts.filter((a) => a.status !== 'resolved').length;
      return { tenant, since, alerts, firing, metrics };
    },
  };
}
