/** Promises that settle when a predicate over emulator state turns truthy. */
export class Waiters {
  private readonly pending = new Set<() => void>();

  /** Resolves with the predicate's first truthy result; `describe` explains a timeout. */
  waitFor<T>(
    predicate: () => T | undefined | null | false,
    timeoutMs: number,
    describe: () => string,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.pending.delete(check);
      };
      const check = (): void => {
        try {
          const value = predicate();
          if (!value) return;
          finish();
          resolve(value);
        } catch (err) {
          finish();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`SlackEmulator.waitFor timed out after ${timeoutMs} ms; ${describe()}`));
      }, timeoutMs);
      this.pending.add(check);
      check();
    });
  }

  /** Re-evaluates every pending predicate; call after each state change. */
  notify(): void {
    for (const check of [...this.pending]) check();
  }
}
