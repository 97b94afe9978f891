/** The three requests of the tenant-header probe (PRODUCT §1 pre-checks, issue 10 preflight). */
export type ProbeName = 'no_header' | 'own_header' | 'other_header';

/** What came back from one request. */
export type ProbeAnswer =
  | { kind: 'response'; status: number; body: string }
  | { kind: 'timeout'; ms: number }
  | { kind: 'unreachable'; message: string };

/**
 * pass / fail: the SaaS did or did not do what the contract asks; error: no usable answer
 * (timeout, 5xx, unreachable) — never a pass; inconclusive: the answer proves nothing either
 * way (the probe path does not show the tenant's data), so a person must confirm.
 */
export type ProbeOutcome = 'pass' | 'fail' | 'error' | 'inconclusive';

export interface ProbeResult {
  probe: ProbeName;
  /** The X-Tenant-ID sent, or null. */
  tenantHeader: string | null;
  outcome: ProbeOutcome;
  status?: number;
  /** This tenant's markers found in the body. */
  markersFound?: string[];
  detail: string;
}

export interface ProbeReport {
  tenant: string;
  otherTenant: string;
  url: string;
  results: ProbeResult[];
  /** The worst outcome: fail over error over inconclusive over pass. */
  verdict: ProbeOutcome;
}

/** Markers of a tenant's data in a body: whole tokens, so `acme` is not found in `acme-eu`. */
export function markersIn(body: string, markers: readonly string[]): string[] {
  return markers.filter((m) => {
    const esc = m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(?<![A-Za-z0-9_-])${esc}(?![A-Za-z0-9_-])`).test(body);
  });
}

function noAnswer(
  a: Exclude<ProbeAnswer, { kind: 'response' }>,
): Pick<ProbeResult, 'outcome' | 'detail'> {
  return a.kind === 'timeout'
    ? { outcome: 'error', detail: `timed out after ${a.ms} ms: not a pass` }
    : { outcome: 'error', detail: `unreachable (${a.message}): not a pass` };
}

function serverError(status: number): Pick<ProbeResult, 'outcome' | 'detail' | 'status'> {
  return { outcome: 'error', status, detail: `answered ${status}, a server error: not a pass` };
}

/** Without X-Tenant-ID the API must refuse (4xx): a 2xx or a redirect means it served someone. */
export function judgeNoHeader(a: ProbeAnswer): ProbeResult {
  const base = { probe: 'no_header' as const, tenantHeader: null };
  if (a.kind !== 'response') return { ...base, ...noAnswer(a) };
  if (a.status >= 500) return { ...base, ...serverError(a.status) };
  if (a.status >= 400)
    return { ...base, outcome: 'pass', status: a.status, detail: `refused with ${a.status}` };
  return {
    ...base,
    outcome: 'fail',
    status: a.status,
    detail: `answered ${a.status} to a request without X-Tenant-ID: the tenant header is not enforced`,
  };
}

/** With its own header the path must show the tenant's data, or the other probe proves nothing. */
export function judgeOwnHeader(
  a: ProbeAnswer,
  tenant: string,
  markers: readonly string[],
): ProbeResult {
  const base = { probe: 'own_header' as const, tenantHeader: tenant };
  if (a.kind !== 'response') return { ...base, ...noAnswer(a) };
  if (a.status >= 500) return { ...base, ...serverError(a.status) };
  if (a.status >= 300)
    return {
      ...base,
      outcome: 'inconclusive',
      status: a.status,
      detail: `answered ${a.status} to ${tenant}'s own header: the probe path does not serve the tenant, so the cross-tenant probe proves nothing`,
    };
  const found = markersIn(a.body, markers);
  if (found.length === 0)
    return {
      ...base,
      outcome: 'inconclusive',
      status: a.status,
      markersFound: [],
      detail: `answered ${a.status} but the body shows none of ${tenant}'s markers (${markers.join(', ')}): the cross-tenant probe proves nothing`,
    };
  return {
    ...base,
    outcome: 'pass',
    status: a.status,
    markersFound: found,
    detail: `shows ${tenant}'s data`,
  };
}

/** With another tenant's header: refused, or an answer with nothing of this tenant's. */
export function judgeOtherHeader(
  a: ProbeAnswer,
  tenant: string,
  other: string,
  markers: readonly string[],
): ProbeResult {
  const base = { probe: 'other_header' as const, tenantHeader: other };
  if (a.kind !== 'response') return { ...base, ...noAnswer(a) };
  if (a.status >= 500) return { ...base, ...serverError(a.status) };
  const found = markersIn(a.body, markers);
  if (found.length > 0)
    return {
      ...base,
      outcome: 'fail',
      status: a.status,
      markersFound: found,
      detail: `answered ${a.status} to ${other}'s header with ${tenant}'s data (${found.join(', ')}): a cross-tenant leak`,
    };
  return {
    ...base,
    outcome: 'pass',
    status: a.status,
    markersFound: [],
    detail:
      a.status >= 400
        ? `refused with ${a.status}`
        : `answered ${a.status} with nothing of ${tenant}'s`,
  };
}

const ORDER: readonly ProbeOutcome[] = ['fail', 'error', 'inconclusive', 'pass'];

export function verdictOf(results: readonly ProbeResult[]): ProbeOutcome {
  return ORDER.find((o) => results.some((r) => r.outcome === o)) ?? 'inconclusive';
}

/** One line for a checklist item. */
export function summarizeProbes(r: ProbeReport): string {
  const parts = r.results.map((x) => `${x.probe.replace('_', ' ')}: ${x.outcome} (${x.detail})`);
  return `X-Tenant-ID probes of ${r.url} for ${r.tenant}: ${r.verdict.toUpperCase()} — ${parts.join('; ')}`;
}
