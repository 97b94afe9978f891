import type { Capability, TokenStore } from './vault-emulator-auth';
import { healthReply, type NodeState } from './vault-emulator-health';
import {
  dataReply,
  errorReply,
  multiError,
  type VaultReply,
  type VaultRequest,
} from './vault-emulator-http';
import type { TransitEngine } from './vault-emulator-transit';

/** What the routes act on: the node's state, its tokens and its transit mounts. */
export interface VaultState {
  node: NodeState;
  tokens: TokenStore;
  mounts: Map<string, TransitEngine>;
  now: () => number;
}

const unsupported = () => errorReply(405, multiError('unsupported operation'));
const noRoute = (path: string) =>
  errorReply(404, `no handler for route "${path}". route entry not found.`);

function authorized(
  vault: VaultState,
  req: VaultRequest,
  capability: Capability,
  handle: () => VaultReply,
): VaultReply {
  const outcome = vault.tokens.authorize(req, capability);
  return outcome.ok ? handle() : outcome.reply;
}

// LIST (sent as GET ?list=…) of a mount's keys; Vault answers a list of nothing with 404.
function list(vault: VaultState, req: VaultRequest): VaultReply {
  const [mount = '', ...rest] = req.path.split('/');
  const engine = vault.mounts.get(mount);
  return authorized(vault, req, 'list', () => {
    if (!engine || rest.join('/').replace(/\/$/, '') !== 'keys') return noRoute(req.path);
    const keys = [...engine.keys.keys()].sort();
    return keys.length > 0 ? dataReply({ keys }, { mountType: 'transit' }) : errorReply(404);
  });
}

/** Vault's request handling order: health, the seal, the token and its policy, then the route. */
export function dispatch(vault: VaultState, req: VaultRequest): VaultReply {
  if (req.path === 'sys/health') {
    if (req.method !== 'GET' && req.method !== 'HEAD') return unsupported();
    return healthReply(vault.node, req.query, Math.floor(vault.now() / 1000));
  }
  // A sealed (or uninitialized, hence sealed) Vault serves nothing but its status.
  if (vault.node.sealed) return errorReply(503, 'Vault is sealed');
  // Go's strconv.ParseBool: node-vault sends `list=1`, the docs say `list=true`.
  if (req.method === 'GET' && /^(1|t|true)$/i.test(req.query.get('list') ?? '')) {
    return list(vault, req);
  }
  const write = req.method === 'POST' || req.method === 'PUT';
  if (req.path === 'auth/token/lookup-self') {
    if (req.method !== 'GET') return unsupported();
    return authorized(vault, req, 'read', () => vault.tokens.lookupSelf(req));
  }
  if (req.path === 'auth/token/renew-self') {
    if (!write) return unsupported();
    return authorized(vault, req, 'update', () => vault.tokens.renewSelf(req));
  }
  const [mount = '', ...rest] = req.path.split('/');
  const route = vault.mounts.get(mount)?.route(req, rest.join('/'));
  if (route) return authorized(vault, req, route.capability, route.handle);
  const capability = req.method === 'GET' ? 'read' : req.method === 'DELETE' ? 'delete' : 'update';
  return authorized(vault, req, capability, () => noRoute(req.path));
}
