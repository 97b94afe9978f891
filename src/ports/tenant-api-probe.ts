import type { ProbeReport } from '../domain/target/api-probe';

export interface ProbeOptions {
  /**
   * Strings that only this tenant's data contains (default: the tenant id). Found in the
   * answer to another tenant's header, they prove a leak.
   */
  markers?: string[];
}

/**
 * Checks that the SaaS enforces `X-Tenant-ID` (PRODUCT §1 pre-checks; preflight and go-live) with
 * three GETs of `target.apiUrl` + `target.probePath`: without the header (must be refused, 4xx);
 * with the tenant's own header (must show the tenant's data, else the last probe proves nothing
 * and the item needs a person); with `otherTenant`'s header (must show none of the tenant's
 * data). Timeouts, 5xx and connection failures are `error`, never a pass. Never throws for the
 * SaaS's behaviour; throws only for bad input (tenant ids).
 */
export interface TenantApiProbe {
  probeTenantHeader(tenant: string, otherTenant: string, opts?: ProbeOptions): Promise<ProbeReport>;
}
