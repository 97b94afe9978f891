import type { Logger } from '../logging/logger';
import { displayAddr, type VaultClient } from './vault-client';
import { vaultError } from './vault-errors';

export interface VaultTokenRenewerOptions {
  client: VaultClient;
  /** `VAULT_ADDR`, for messages. */
  addr: string;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Renew once this share of the token's TTL has gone by; default 2/3. */
  renewFraction?: number;
  /** Warn this long before a token that cannot be renewed (any more) expires; default 24 h. */
  warnBeforeMs?: number;
  /** Wait before trying again after a failed lookup or renewal; default 30 s. */
  retryMs?: number;
}

// setTimeout fires at once for delays above 2^31 - 1 ms (24.8 days): longer waits go in hops.
const MAX_DELAY = 2 ** 31 - 1;

/**
 * Runs `fn` after `ms` in hops of at most `maxDelay`, reporting each further timer to `set` so it
 * can be cleared. Timers are unref'd: a pending renewal never keeps a finished process alive.
 */
export function later(
  ms: number,
  fn: () => Promise<void> | void,
  set: (t: NodeJS.Timeout) => void,
  maxDelay = MAX_DELAY,
): NodeJS.Timeout {
  const wait = Math.max(0, ms);
  const hop = Math.min(wait, maxDelay);
  return setTimeout(() => {
    if (wait > hop) set(later(wait - hop, fn, set, maxDelay));
    else void fn();
  }, hop).unref();
}

const NEW_TOKEN =
  'issue a new token with the tenantops policy, set VAULT_TOKEN and restart tenantops';

/**
 * Keeps VAULT_TOKEN alive: reads its TTL with lookup-self, renews it with renew-self before the
 * TTL runs out, and logs a warning ahead of the expiry of a token Vault will not renew (not
 * renewable, or at its max TTL). The composition root owns it: `start()` at boot, `stop()` at
 * shutdown. Never throws; failures are logged and retried while the token may still be valid.
 */
export class VaultTokenRenewer {
  private timer: NodeJS.Timeout | undefined;
  private warnTimer: NodeJS.Timeout | undefined;
  private running = false;
  private expiresAt: number | null = null;
  private fullTtl = 0;
  private warned = false;
  private readonly addr: string;

  constructor(private readonly opts: VaultTokenRenewerOptions) {
    this.addr = displayAddr(opts.addr);
  }

  /** Looks the token up and schedules what it needs; resolves after that first lookup. */
  async start(): Promise<void> {
    this.stop();
    this.running = true;
    this.warned = false;
    this.expiresAt = null;
    await this.lookup();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.warnTimer);
    this.timer = undefined;
    this.warnTimer = undefined;
  }

  private schedule(ms: number, fn: () => Promise<void> | void): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = later(ms, fn, (t) => (this.timer = t));
  }

  private async lookup(): Promise<void> {
    let data: { ttl?: unknown; renewable?: unknown; creation_ttl?: unknown } | undefined;
    try {
      data = ((await this.opts.client.tokenLookupSelf()) as { data?: typeof data }).data;
    } catch (err) {
      return this.failed(err, 'auth/token/lookup-self', 'read', () => this.lookup());
    }
    if (!this.running) return;
    const ttl = typeof data?.ttl === 'number' ? data.ttl : 0;
    if (ttl <= 0) {
      this.opts.log.info({ vault: this.addr }, 'VAULT_TOKEN does not expire: no renewal needed');
      return;
    }
    this.expiresAt = Date.now() + ttl * 1000;
    this.fullTtl = typeof data?.creation_ttl === 'number' ? data.creation_ttl : ttl;
    if (data?.renewable !== true) return this.cannotRenew('it is not renewable');
    this.opts.log.info(
      { vault: this.addr, expiresAt: this.expiryText(), ttlSeconds: ttl },
      'VAULT_TOKEN renewal scheduled',
    );
    this.scheduleRenewal(ttl);
  }

  private scheduleRenewal(ttlSeconds: number): void {
    const fraction = this.opts.renewFraction ?? 2 / 3;
    this.schedule(ttlSeconds * 1000 * fraction, () => this.renew());
  }

  private async renew(): Promise<void> {
    let res: { auth?: { lease_duration?: unknown; renewable?: unknown }; warnings?: unknown };
    try {
      res = (await this.opts.client.tokenRenewSelf({})) as typeof res;
    } catch (err) {
      return this.failed(err, 'auth/token/renew-self', 'update', () => this.renew());
    }
    if (!this.running) return;
    const granted = typeof res.auth?.lease_duration === 'number' ? res.auth.lease_duration : 0;
    this.expiresAt = Date.now() + granted * 1000;
    this.opts.log.info(
      { vault: this.addr, expiresAt: this.expiryText(), ttlSeconds: granted },
      'VAULT_TOKEN renewed',
    );
    if (granted <= 0 || res.auth?.renewable === false) {
      return this.cannotRenew('Vault no longer renews it');
    }
    const capped =
      granted < this.fullTtl ||
      (Array.isArray(res.warnings) && res.warnings.some((w) => /max_ttl/.test(String(w))));
    if (capped) this.warnAhead('it has reached its maximum TTL');
    this.scheduleRenewal(granted);
  }

  /** A token that will not be renewed: warn ahead of its expiry, say so when it has expired. */
  private cannotRenew(why: string): void {
    this.opts.log.info(
      { vault: this.addr, expiresAt: this.expiryText() },
      `VAULT_TOKEN will not be renewed: ${why}`,
    );
    this.warnAhead(why);
    const left = (this.expiresAt ?? Date.now()) - Date.now();
    this.schedule(left, () => {
      this.opts.log.error(
        { vault: this.addr, expiresAt: this.expiryText() },
        `VAULT_TOKEN has expired: every Vault call is refused until you ${NEW_TOKEN}.`,
      );
    });
  }

  private warnAhead(why: string): void {
    if (this.warned || this.expiresAt === null) return;
    this.warned = true;
    const warnIn = this.expiresAt - (this.opts.warnBeforeMs ?? 24 * 3600_000) - Date.now();
    const warn = () =>
      this.opts.log.warn(
        { vault: this.addr, expiresAt: this.expiryText() },
        `VAULT_TOKEN expires at ${this.expiryText()} and ${why}: ${NEW_TOKEN} before then.`,
      );
    if (warnIn <= 0) warn();
    else if (this.running) this.warnTimer = later(warnIn, warn, (t) => (this.warnTimer = t));
  }

  private failed(
    err: unknown,
    path: string,
    capability: 'read' | 'update',
    again: () => Promise<void>,
  ): void {
    if (!this.running) return;
    const e = vaultError(err, { addr: this.addr, path, capability });
    const now = Date.now();
    if (e.code === 'vault_denied' || (this.expiresAt !== null && now >= this.expiresAt)) {
      this.opts.log.error(
        { vault: this.addr, code: e.code },
        `VAULT_TOKEN renewal stopped: ${e.message}`,
      );
      this.stop();
      return;
    }
    const retryMs = this.opts.retryMs ?? 30_000;
    const delay =
      this.expiresAt === null
        ? retryMs
        : Math.max(100, Math.min(retryMs, (this.expiresAt - now) / 2));
    this.opts.log.warn(
      { vault: this.addr, code: e.code, retryInMs: Math.round(delay) },
      `VAULT_TOKEN renewal failed, trying again: ${e.message}`,
    );
    this.schedule(delay, again);
  }

  private expiryText(): string {
    return this.expiresAt === null ? 'never' : new Date(this.expiresAt).toISOString();
  }
}
