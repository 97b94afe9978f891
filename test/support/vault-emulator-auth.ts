import { randomBytes } from 'node:crypto';
import {
  dataReply,
  errorReply,
  multiError,
  type VaultReply,
  type VaultRequest,
} from './vault-emulator-http';

/** ACL capabilities (https://developer.hashicorp.com/vault/docs/concepts/policies#capabilities). */
export type Capability =
  'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

/** One `path "…" { capabilities = [...] }` stanza: `*` (last character only) is a prefix glob, `+` one segment. */
export interface PolicyRule {
  path: string;
  capabilities: Capability[];
}

export interface TokenSpec {
  /** Defaults to a fresh `hvs.`-style id. */
  id?: string;
  /** Defaults to `["default"]`; `"root"` allows everything. */
  policies?: string[];
  /** Seconds; 0 never expires (like a root token). Default 768h, Vault's default TTL. */
  ttlSeconds?: number;
  /** Default true (a TTL-less token is never renewable). */
  renewable?: boolean;
  /** Hard cap on the token's life, from issue time; 0 = Vault's system max TTL (32 days). */
  explicitMaxTtlSeconds?: number;
}

interface TokenEntry {
  id: string;
  accessor: string;
  policies: string[];
  issuedAt: number;
  creationTtl: number;
  /** Epoch ms; null for a token without TTL. */
  expiresAt: number | null;
  renewable: boolean;
  explicitMaxTtl: number;
}

const SYSTEM_MAX_TTL_S = 32 * 24 * 3600;
const DEFAULT_TTL_S = 768 * 3600;

// The built-in `default` policy lets every token look itself up and renew itself.
const DEFAULT_POLICY: PolicyRule[] = [
  { path: 'auth/token/lookup-self', capabilities: ['read'] },
  { path: 'auth/token/renew-self', capabilities: ['update'] },
  { path: 'auth/token/revoke-self', capabilities: ['update'] },
  { path: 'sys/capabilities-self', capabilities: ['update'] },
];

export type AuthOutcome = { ok: true } | { ok: false; reply: VaultReply };

/** Tokens with TTLs on the emulator's clock, and ACL policies checked per path and capability. */
export class TokenStore {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly policies = new Map<string, PolicyRule[]>([['default', DEFAULT_POLICY]]);

  constructor(private readonly now: () => number) {}

  writePolicy(name: string, rules: PolicyRule[]): void {
    this.policies.set(name, rules);
  }

  create(spec: TokenSpec = {}): string {
    const id = spec.id ?? `hvs.${randomBytes(18).toString('base64url')}`;
    const ttl = spec.ttlSeconds ?? DEFAULT_TTL_S;
    const issuedAt = this.now();
    this.tokens.set(id, {
      id,
      accessor: randomBytes(12).toString('base64url'),
      policies: spec.policies ?? ['default'],
      issuedAt,
      creationTtl: ttl,
      expiresAt: ttl === 0 ? null : issuedAt + ttl * 1000,
      renewable: ttl !== 0 && (spec.renewable ?? true),
      explicitMaxTtl: spec.explicitMaxTtlSeconds ?? 0,
    });
    return id;
  }

  revoke(id: string): void {
    this.tokens.delete(id);
  }

  /** A live token, or undefined; an expired one is revoked on sight, as Vault's expiration manager does. */
  private live(id: string | undefined): TokenEntry | undefined {
    if (id === undefined) return undefined;
    const entry = this.tokens.get(id);
    if (entry?.expiresAt != null && entry.expiresAt <= this.now()) {
      this.tokens.delete(id);
      return undefined;
    }
    return entry;
  }

  authorize(req: VaultRequest, capability: Capability): AuthOutcome {
    if (req.token === undefined || req.token === '') {
      return { ok: false, reply: errorReply(403, 'permission denied') };
    }
    const entry = this.live(req.token);
    // Documented since Vault 1.16: revoked, expired or unknown tokens get both messages.
    if (!entry) return { ok: false, reply: errorReply(403, 'permission denied', 'invalid token') };
    if (entry.policies.includes('root')) return { ok: true };
    const caps = this.capabilities(entry.policies, req.path);
    if (caps.has('deny') || !caps.has(capability)) {
      return { ok: false, reply: errorReply(403, multiError('permission denied')) };
    }
    return { ok: true };
  }

  /** The capabilities of the highest-priority matching rule (patterns merged across policies). */
  private capabilities(policyNames: string[], path: string): Set<Capability> {
    const merged = new Map<string, Set<Capability>>();
    for (const name of [...new Set(policyNames)]) {
      for (const rule of this.policies.get(name) ?? []) {
        const set = merged.get(rule.path) ?? new Set<Capability>();
        rule.capabilities.forEach((c) => set.add(c));
        merged.set(rule.path, set);
      }
    }
    const matching = [...merged.keys()].filter((p) => matches(p, path));
    matching.sort(byPriority);
    const best = matching.at(-1);
    return best === undefined ? new Set() : (merged.get(best) ?? new Set());
  }

  lookupSelf(req: VaultRequest): VaultReply {
    const e = this.live(req.token);
    if (!e) return errorReply(403, 'permission denied', 'invalid token');
    const ttl =
      e.expiresAt === null ? 0 : Math.max(0, Math.floor((e.expiresAt - this.now()) / 1000));
    return dataReply(
      {
        accessor: e.accessor,
        creation_time: Math.floor(e.issuedAt / 1000),
        creation_ttl: e.creationTtl,
        display_name: 'token',
        entity_id: '',
        expire_time: e.expiresAt === null ? null : new Date(e.expiresAt).toISOString(),
        explicit_max_ttl: e.explicitMaxTtl,
        id: e.id,
        issue_time: new Date(e.issuedAt).toISOString(),
        meta: null,
        num_uses: 0,
        orphan: true,
        path: 'auth/token/create',
        policies: e.policies,
        renewable: e.renewable,
        ttl,
        type: 'service',
      },
      { mountType: 'token' },
    );
  }

  renewSelf(req: VaultRequest): VaultReply {
    const e = this.live(req.token);
    if (!e) return errorReply(403, 'permission denied', 'invalid token');
    if (!e.renewable) return errorReply(400, 'lease is not renewable');
    const increment = parseIncrement(req.body.increment);
    if (increment === null) return errorReply(400, 'invalid increment');
    const now = this.now();
    const maxTtl = e.explicitMaxTtl > 0 ? e.explicitMaxTtl : SYSTEM_MAX_TTL_S;
    const left = Math.floor((e.issuedAt + maxTtl * 1000 - now) / 1000);
    const wanted = increment ?? e.creationTtl;
    const granted = Math.max(0, Math.min(wanted, left));
    const warnings =
      granted < wanted
        ? [
            `TTL of "${wanted}s" exceeded the effective max_ttl of "${left}s"; TTL value is capped accordingly`,
          ]
        : null;
    e.expiresAt = now + granted * 1000;
    return {
      status: 200,
      body: {
        request_id: '',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        data: null,
        wrap_info: null,
        warnings,
        auth: {
          client_token: e.id,
          accessor: e.accessor,
          policies: e.policies,
          token_policies: e.policies,
          metadata: null,
          lease_duration: granted,
          renewable: e.renewable,
          entity_id: '',
          token_type: 'service',
          orphan: true,
          mfa_requirement: null,
          num_uses: 0,
        },
      },
    };
  }
}

/** `increment` as Vault takes it: seconds (number or digits) or a duration string (`30s`, `5m`, `1h`). */
function parseIncrement(raw: unknown): number | undefined | null {
  if (raw === undefined || raw === '' || raw === 0) return undefined;
  if (typeof raw === 'number') return Number.isInteger(raw) && raw > 0 ? raw : null;
  if (typeof raw !== 'string') return null;
  const m = /^(\d+)(s|m|h)?$/.exec(raw);
  if (!m) return null;
  const unit = m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1;
  return Number(m[1]) * unit;
}

// `*` is a glob only as the last character; `+` stands for one whole path segment.
function matches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const want = (glob ? pattern.slice(0, -1) : pattern).split('/');
  const got = path.split('/');
  if (got.length < want.length || (!glob && got.length !== want.length)) return false;
  return want.every((seg, i) => {
    if (glob && i === want.length - 1) return got.slice(i).join('/').startsWith(seg);
    return seg === '+' ? (got[i] ?? '') !== '' : seg === got[i];
  });
}

// Vault's priority rules, lowest first: an earlier first wildcard, a trailing `*`, more `+`
// segments and a shorter path each lose (https://developer.hashicorp.com/vault/docs/concepts/policies#priority-matching).
function byPriority(a: string, b: string): number {
  const firstWild = (p: string) => {
    const i = p.search(/[*+]/);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  const plus = (p: string) => (p.match(/\+/g) ?? []).length;
  return (
    firstWild(a) - firstWild(b) ||
    Number(b.endsWith('*')) - Number(a.endsWith('*')) ||
    plus(b) - plus(a) ||
    a.length - b.length ||
    (a < b ? -1 : a > b ? 1 : 0)
  );
}
