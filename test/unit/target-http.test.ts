import { targetHttpFromConfig } from '../../src/adapters/http/target-http';
import { PrometheusMetrics } from '../../src/adapters/http/prometheus-metrics';
import { SignedHttpGateway } from '../../src/adapters/http/signed-gateway';
import { TenantHeaderProbe } from '../../src/adapters/http/tenant-header-probe';
import { envSchema, fileConfigSchema } from '../../src/config/schema';

describe('the target HTTP adapters from the config', () => {
  it('builds only what is configured', () => {
    const none = fileConfigSchema.parse({}).target;
    expect(targetHttpFromConfig(none, envSchema.parse({}))).toEqual({});
    const all = fileConfigSchema.parse({
      target: {
        gatewayUrl: 'https://gw.internal/tenantops',
        apiUrl: 'https://api.saas.example',
        probePath: '/v1/whoami',
        prometheusUrl: 'http://prometheus:9090',
      },
    }).target;
    const http = targetHttpFromConfig(
      all,
      envSchema.parse({ GATEWAY_SIGNING_SECRET: 's'.repeat(32) }),
    );
    expect(http.gateway).toBeInstanceOf(SignedHttpGateway);
    expect(http.probe).toBeInstanceOf(TenantHeaderProbe);
    expect((http.probe as TenantHeaderProbe).url).toBe('https://api.saas.example/v1/whoami');
    expect(http.metrics).toBeInstanceOf(PrometheusMetrics);
  });
});
