import type { ControlEvent, GatewayDelivery } from '../domain/target/gateway';

/**
 * The SaaS's API gateway (`target.gatewayUrl`, PRODUCT §8), told of every control change so it
 * can act on it before its next read of `tenant_controls`. Best effort on top of the database:
 * `publish` never throws for the gateway's failures, it reports them (timeout, 5xx, refused,
 * unreachable) so the step can show that the gateway did not hear of the change.
 */
export interface ControlGateway {
  publish(event: ControlEvent): Promise<GatewayDelivery>;
}
