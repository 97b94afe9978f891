import type { Env, FileConfig } from '../../config/schema';
import type { ControlGateway } from '../../ports/control-gateway';
import type { TenantApiProbe } from '../../ports/tenant-api-probe';
import type { TenantMetrics } from '../../ports/tenant-load';
import { PrometheusMetrics } from './prometheus-metrics';
import { SignedHttpGateway } from './signed-gateway';
import { TenantHeaderProbe } from './tenant-header-probe';

export interface TargetHttp {
  /** target.gatewayUrl + GATEWAY_SIGNING_SECRET (loadConfig refuses the one without the other). */
  gateway?: ControlGateway;
  /** target.apiUrl (+ probePath) */
  probe?: TenantApiProbe;
  /** target.prometheusUrl (+ loadQuery) */
  metrics?: TenantMetrics;
}

/** The HTTP sides of the target system that the config enables; absent ones are left out. */
export function targetHttpFromConfig(target: FileConfig['target'], env: Env): TargetHttp {
  const out: TargetHttp = {};
  if (target.gatewayUrl && env.GATEWAY_SIGNING_SECRET)
    out.gateway = new SignedHttpGateway({
      url: target.gatewayUrl,
      secret: env.GATEWAY_SIGNING_SECRET,
    });
  if (target.apiUrl)
    out.probe = new TenantHeaderProbe({ apiUrl: target.apiUrl, probePath: target.probePath });
  if (target.prometheusUrl)
    out.metrics = new PrometheusMetrics({ url: target.prometheusUrl, query: target.loadQuery });
  return out;
}
