import { DomainError } from '../../domain/errors';
import { TenantKeyError, type TenantKeyStatus, type TenantKeys } from '../../ports/tenant-keys';
import type { RunbookDef, StepDef } from './runbook-def';

/** How a key shows wherever it appears: the local keyring always says it is dev only. */
export function keyLabel(s: Pick<TenantKeyStatus, 'backend' | 'keyRef'>): string {
  return s.backend === 'local-dev' ? `${s.keyRef} [local-dev: dev only, not Vault]` : s.keyRef;
}

/**
 * A key-store failure as the step reports it. Vault sealed, unreachable or answering 5xx may
 * pass: rethrown as retryable, so the engine tries the step again with backoff while the run
 * waits (and can be cancelled). A denial or a key changed behind tenantops' back will not pass
 * by waiting: a DomainError, so the step fails at once. Either way the message ends by saying
 * nothing was rotated — the key store is only changed by the rotate call itself.
 */
function keyFailure(err: unknown, what: string): never {
  if (!(err instanceof TenantKeyError)) throw err;
  const message = `${err.code}: ${err.message.replace(/\.?$/, '.')} ${what}`;
  if (err.retryable) throw new TenantKeyError(err.code, message, true);
  throw new DomainError(err.code, message);
}

function keyStep(keys: TenantKeys): StepDef {
  return {
    id: 'ensure-key',
    title: "Read the tenant's key (create it if missing) and note its latest version",
    async plan(ctx) {
      const s = await keys.status(ctx.tenant).catch((e: unknown) => keyFailure(e, 'Nothing read.'));
      return s.exists
        ? `read ${keyLabel(s)} (version ${s.latestVersion})`
        : `create ${keyLabel(s)} (it does not exist yet)`;
    },
    async run(ctx) {
      const r = await keys
        .ensureKey(ctx.tenant)
        .catch((e: unknown) => keyFailure(e, 'Nothing was created or rotated.'));
      const s = r.status;
      const newest = s.versions.at(-1);
      return {
        summary: `${r.created ? 'created' : 'found'} ${keyLabel(s)} at version ${s.latestVersion}${newest ? ` (created ${newest.createdAt.toISOString()})` : ''}`,
        data: { keyVersionBefore: s.latestVersion, keyRef: s.keyRef, keyBackend: s.backend },
      };
    },
  };
}

function rotateStep(keys: TenantKeys): StepDef {
  return {
    id: 'rotate-key',
    title: 'Rotate the key (new version for new data; older versions still decrypt)',
    async plan(ctx) {
      const s = await keys.status(ctx.tenant).catch((e: unknown) => keyFailure(e, 'Nothing read.'));
      return `rotate ${keyLabel(s)} from version ${s.latestVersion || 1} to ${(s.latestVersion || 1) + 1}`;
    },
    async run(ctx) {
      const expected = ctx.context.keyVersionBefore;
      if (typeof expected !== 'number')
        throw new DomainError(
          'no_key_version',
          'The key version was not recorded: nothing rotated.',
        );
      // The version seen first is recorded: a retried step finds the key past it and stops.
      const r = await keys
        .rotate(ctx.tenant, { expectedLatest: expected })
        .catch((e: unknown) =>
          keyFailure(e, `The key was not rotated (still at version ${expected} or unknown).`),
        );
      const label = keyLabel(r.status);
      return {
        summary: r.rotated
          ? `${label} rotated: version ${expected} → ${r.status.latestVersion}`
          : `${label} already at version ${r.status.latestVersion} (rotated by an earlier attempt): not rotated again`,
        data: { keyVersionAfter: r.status.latestVersion },
      };
    },
    // A rotation is not undone: the old version still decrypts, and going back would weaken it.
  };
}

/**
 * `tenant-key-rotate <tenant>` (PRODUCT §1 seed §6): the tenant's transit key is created if
 * missing, then rotated once (`<mount>/keys/<name>/rotate`). One at a time per tenant, since
 * Vault's compare-then-rotate is two calls.
 */
export function keyRotateRunbook(keys: TenantKeys): RunbookDef {
  return {
    name: 'tenant-key-rotate',
    summary: `rotate the tenant's key (${keys.backend === 'vault' ? 'Vault transit' : 'local keyring, dev only'}); older versions still decrypt`,
    destructive: true,
    needsTarget: false,
    steps: () => [keyStep(keys), rotateStep(keys)],
  };
}
