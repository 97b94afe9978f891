// jest's node environment, plus: stacks a test file started but never stopped (its beforeAll
// timed out while the stack was still starting) are stopped once the file's tests and hooks
// are done, so nothing stays open and jest exits without --forceExit. See startStack in
// test/support/stack.ts.
const { TestEnvironment } = require('jest-environment-node');

class TenantopsEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    // run_finish: after every hook, while modules can still load (teardown is too late).
    if (event.name !== 'run_finish') return;
    const open = this.global.__tenantopsOpenStacks;
    if (!open) return;
    for (const starting of [...open]) {
      open.delete(starting);
      await starting.then(
        (stack) => stack.stop().catch(() => undefined),
        () => undefined,
      );
    }
  }
}

module.exports = TenantopsEnvironment;
