import type { TargetSystem } from '../../ports/target-system';

/**
 * A target opened on first use: console mode starts the embedded demo target only when a
 * runbook needs it, so `npm start` stays quick; a failed open is tried again next time. Every
 * method of the port is forwarded (they are all async), so the wrapper never falls behind it.
 */
export function lazyTarget(
  open: () => Promise<TargetSystem>,
  demo: boolean,
  description: string,
): TargetSystem {
  let opening: Promise<TargetSystem> | undefined;
  const target = () =>
    (opening ??= open().catch((err: unknown) => {
      opening = undefined;
      throw err;
    }));
  const own: Record<string | symbol, unknown> = {
    demo,
    description,
    async close() {
      if (opening) await (await opening.catch(() => undefined))?.close();
    },
  };
  return new Proxy(own, {
    get(self, prop) {
      if (prop in self) return self[prop];
      // Not a thenable: `await lazyTarget(...)` must not call a forwarded `then`.
      if (prop === 'then') return undefined;
      return async (...args: unknown[]) => {
        const t = (await target()) as unknown as Record<string | symbol, unknown>;
        const method = t[prop];
        if (typeof method !== 'function') throw new TypeError(`target has no ${String(prop)}()`);
        return (method as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  }) as unknown as TargetSystem;
}
