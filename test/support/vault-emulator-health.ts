import type { VaultReply } from './vault-emulator-http';

export interface NodeState {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
}

const VERSION = '1.17.0';

function code(query: URLSearchParams, name: string, fallback: number): number {
  const raw = query.get(name);
  const n = raw === null ? NaN : Number(raw);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : fallback;
}

/**
 * GET/HEAD /v1/sys/health: unauthenticated; the status code carries the node's state
 * (200 active, 429 standby, 501 not initialized, 503 sealed), each overridable by a query
 * parameter, and `standbyok=true` answers a standby with the active code.
 */
export function healthReply(
  node: NodeState,
  query: URLSearchParams,
  nowSeconds: number,
): VaultReply {
  let status: number;
  if (!node.initialized) status = code(query, 'uninitcode', 501);
  else if (node.sealed) status = code(query, 'sealedcode', 503);
  else if (node.standby && query.get('standbyok') !== 'true')
    status = code(query, 'standbycode', 429);
  else status = code(query, 'activecode', 200);
  const body: Record<string, unknown> = {
    initialized: node.initialized,
    sealed: node.sealed,
    standby: node.standby,
    performance_standby: false,
    replication_performance_mode: 'disabled',
    replication_dr_mode: 'disabled',
    server_time_utc: nowSeconds,
    version: VERSION,
    enterprise: false,
  };
  if (node.initialized && !node.sealed) {
    body.cluster_name = 'vault-cluster-emulator';
    body.cluster_id = '00000000-0000-4000-8000-00000000e001';
  }
  return { status, body };
}
