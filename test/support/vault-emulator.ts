/**
 * A HashiCorp Vault API emulator: a real HTTP server on 127.0.0.1 for the parts of Vault tenantops
 * uses, written from Vault's documentation, so node-vault talks to it exactly as to Vault.
 *
 * Followed:
 * - Transit secrets engine API (create, read, config, rotate, encrypt, decrypt):
 *   https://developer.hashicorp.com/vault/api-docs/secret/transit — and, where the page is
 *   silent, the engine's source: builtin/logical/transit/path_keys.go `formatKeyPolicy` (the
 *   `keys` map is version → Unix seconds for symmetric keys, version → object with an RFC 3339
 *   `creation_time` for asymmetric ones; `latest_version`, `min_available_version`), path_keys_config.go
 *   (config validation and messages), sdk/helper/keysutil/policy.go (decrypt errors).
 * - /sys/health: https://developer.hashicorp.com/vault/api-docs/system/health (200 active, 429
 *   standby, 501 not initialized, 503 sealed; `standbyok`, `*code` parameters; HEAD without body).
 * - Token auth: https://developer.hashicorp.com/vault/api-docs/auth/token (lookup-self,
 *   renew-self with `increment`) and https://developer.hashicorp.com/vault/docs/concepts/tokens
 *   (TTLs, max TTL 32 days; an expired token is revoked; invalid tokens answer 403 with
 *   `permission denied` and `invalid token`).
 * - Policies: https://developer.hashicorp.com/vault/docs/concepts/policies (capabilities, globs,
 *   priority, create vs update through existence checks).
 * - HTTP API overview: https://developer.hashicorp.com/vault/api-docs (errors shape, status codes,
 *   PUT = POST, `GET ?list=true` for LIST, 503 when sealed).
 *
 * Test controls: seal/unseal, uninitialized, standby, injected 5xx or dropped connections, a
 * clock that can jump ahead (token expiry), tokens and policies, keys created or backdated at
 * any time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TokenStore, type PolicyRule, type TokenSpec } from './vault-emulator-auth';
import {
  errorReply,
  multiError,
  parseJsonObject,
  readBody,
  send,
  type VaultReply,
} from './vault-emulator-http';
import type { KeyType, TransitKey } from './vault-emulator-keys';
import { TransitEngine } from './vault-emulator-transit';
import type { NodeState } from './vault-emulator-health';
import { dispatch, type VaultState } from './vault-emulator-router';

export type { Capability, PolicyRule, TokenSpec } from './vault-emulator-auth';
export type { KeyType, TransitKey } from './vault-emulator-keys';

export interface VaultEmulatorOptions {
  /** Transit engines to mount; default `["transit"]`. */
  transitMounts?: string[];
  /** Id of the root token created at start. */
  rootToken?: string;
}

/**
 * A fault to inject: an HTTP status (optionally a raw body); `drop` cuts the connection before
 * Vault acts, `drop-after` acts and then cuts it (the answer is lost), `hang` never answers.
 */
export interface FailureSpec {
  status: number | 'drop' | 'drop-after' | 'hang';
  /** Only requests whose path (after `/v1/`) matches; default all. */
  path?: RegExp;
  /** How many requests it hits; default until `clearFailures()`. */
  times?: number;
  /** Body to send instead of Vault's JSON error (a string goes out as text/html, like a proxy's). */
  body?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number | 'dropped' | 'hung';
}

interface Waiter {
  done: () => boolean;
  resolve: () => void;
}

export class VaultEmulator {
  readonly rootToken: string;
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly tokens: TokenStore;
  private readonly mounts = new Map<string, TransitEngine>();
  private readonly node: NodeState = { initialized: true, sealed: false, standby: false };
  private failures: (FailureSpec & { left: number })[] = [];
  private offsetMs = 0;
  private waiters: Waiter[] = [];
  private port = 0;
  private readonly vaultState: VaultState;

  private constructor(opts: VaultEmulatorOptions) {
    this.tokens = new TokenStore(() => this.now());
    this.rootToken = this.tokens.create({
      id: opts.rootToken ?? 'hvs.emulator-root',
      policies: ['root'],
      ttlSeconds: 0,
    });
    for (const m of opts.transitMounts ?? ['transit']) {
      this.mounts.set(m, new TransitEngine(() => this.now()));
    }
    this.vaultState = {
      node: this.node,
      tokens: this.tokens,
      mounts: this.mounts,
      now: () => this.now(),
    };
    this.server = createServer((req, res) => void this.onRequest(req, res));
  }

  static async start(opts: VaultEmulatorOptions = {}): Promise<VaultEmulator> {
    const emulator = new VaultEmulator(opts);
    await new Promise<void>((resolve) => emulator.server.listen(0, '127.0.0.1', resolve));
    emulator.port = (emulator.server.address() as AddressInfo).port;
    return emulator;
  }

  /** `VAULT_ADDR` for this emulator. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- clock -------------------------------------------------------------------------------

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Moves the emulator's clock forward (token TTLs run out, new versions get later times). */
  advanceClock(ms: number): void {
    this.offsetMs += ms;
  }

  // --- node state --------------------------------------------------------------------------

  seal(): void {
    this.node.sealed = true;
  }

  unseal(): void {
    this.node.sealed = false;
  }

  setInitialized(initialized: boolean): void {
    this.node.initialized = initialized;
    if (!initialized) this.node.sealed = true;
  }

  setStandby(standby: boolean): void {
    this.node.standby = standby;
  }

  fail(spec: FailureSpec): void {
    this.failures.push({ ...spec, left: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clearFailures(): void {
    this.failures = [];
  }

  // --- tokens and policies -----------------------------------------------------------------

  createToken(spec: TokenSpec = {}): string {
    return this.tokens.create(spec);
  }

  revokeToken(id: string): void {
    this.tokens.revoke(id);
  }

  writePolicy(name: string, rules: PolicyRule[]): void {
    this.tokens.writePolicy(name, rules);
  }

  // --- transit keys ------------------------------------------------------------------------

  transit(mount = 'transit'): TransitEngine {
    const engine = this.mounts.get(mount);
    if (!engine) throw new Error(`no transit engine mounted at ${mount}`);
    return engine;
  }

  /** Creates a key directly, e.g. one made 7 months ago. */
  createKey(
    name: string,
    opts: { mount?: string; type?: KeyType; createdAt?: Date } = {},
  ): TransitKey {
    const createdAt = opts.createdAt ?? new Date(this.now());
    return this.transit(opts.mount).createKey(name, opts.type ?? 'aes256-gcm96', createdAt);
  }

  /** Rewrites when a version was created (Vault never does this; tests need old keys). */
  backdateVersion(name: string, version: number, createdAt: Date, mount = 'transit'): void {
    const v = this.transit(mount).keys.get(name)?.versions[version - 1];
    if (!v) throw new Error(`no version ${version} of ${mount}/keys/${name}`);
    v.createdAt = createdAt;
  }

  key(name: string, mount = 'transit'): TransitKey | undefined {
    return this.transit(mount).keys.get(name);
  }

  // --- observing ---------------------------------------------------------------------------

  /** Requests answered so far for `path` (after `/v1/`) with `status`. */
  count(path: string, status: RecordedRequest['status'] = 200): number {
    return this.requests.filter((r) => r.path === path && r.status === status).length;
  }

  /** Resolves once `done()` holds, checked after every request (rejects after `timeoutMs`). */
  waitFor(done: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('vault emulator: wait timed out')),
        timeoutMs,
      );
      this.waiters.push({
        done,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  // --- HTTP --------------------------------------------------------------------------------

  private record(method: string, path: string, status: RecordedRequest['status']): void {
    this.requests.push({ method, path, status });
    const ready = this.waiters.filter((w) => w.done());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    ready.forEach((w) => w.resolve());
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://vault');
    const path = url.pathname.replace(/^\/v1\//, '');
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const failure = this.failures.find((f) => f.left > 0 && (!f.path || f.path.test(path)));
    if (failure) {
      failure.left -= 1;
      if (failure.status === 'hang') {
        this.record(method, path, 'hung');
        return;
      }
      if (failure.status === 'drop' || failure.status === 'drop-after') {
        if (failure.status === 'drop-after') this.answer(method, path, url, req, text);
        req.socket.destroy();
        this.record(method, path, 'dropped');
        return;
      }
      this.respond(res, method, path, failureReply(failure.status), failure.body);
      return;
    }
    this.respond(res, method, path, this.answer(method, path, url, req, text));
  }

  private answer(method: string, path: string, url: URL, req: IncomingMessage, text: string) {
    const body = parseJsonObject(text);
    if (body === undefined) return errorReply(400, 'error parsing JSON');
    const request = { method, path, query: url.searchParams, token: tokenOf(req), body };
    return dispatch(this.vaultState, request);
  }

  private respond(
    res: ServerResponse,
    method: string,
    path: string,
    reply: VaultReply,
    raw?: string,
  ): void {
    if (raw !== undefined) {
      res.writeHead(reply.status, { 'Content-Type': 'text/html' });
      res.end(raw);
    } else {
      send(res, reply, method === 'HEAD');
    }
    this.record(method, path, reply.status);
  }
}

function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers['x-vault-token'];
  if (typeof header === 'string') return header;
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return bearer?.[1];
}

function failureReply(status: number): VaultReply {
  if (status === 500) return errorReply(500, multiError('internal error'));
  return errorReply(status, `emulated failure (${status})`);
}
