// A jest reporter: when the run is over but something a test opened is still open (a socket, a
// server, a timer), jest would wait forever and CI would hang until its time limit. After a
// grace period this names what is still open (so it can be closed where it was opened) and
// ends the process with the run's own result. If everything closed, its timer (unref'd) never
// fires and jest exits by itself.
const GRACE_MS = 15_000;

function describeHandle(handle) {
  const kind = handle?.constructor?.name ?? typeof handle;
  if (kind === 'Socket' || kind === 'TLSSocket') {
    const remote = handle.remoteAddress ? `${handle.remoteAddress}:${handle.remotePort}` : '';
    const local = handle.localPort ? `local :${handle.localPort}` : '';
    return `${kind} ${remote || local || '(pipe)'}`;
  }
  if (kind === 'Server') {
    const address = typeof handle.address === 'function' ? handle.address() : undefined;
    return `Server ${address && typeof address === 'object' ? `:${address.port}` : ''}`;
  }
  if (kind === 'Timeout') return `Timeout ${handle._idleTimeout} ms`;
  return kind;
}

class OpenHandlesReporter {
  onRunComplete(_contexts, results) {
    // (`results.success` is only set after the reporters ran.)
    const failed =
      results.numFailedTests > 0 ||
      results.numFailedTestSuites > 0 ||
      results.numRuntimeErrorTestSuites > 0 ||
      results.wasInterrupted;
    const code = failed ? 1 : 0;
    setTimeout(() => {
      const handles = process._getActiveHandles().map(describeHandle);
      const counts = new Map();
      for (const h of handles) counts.set(h, (counts.get(h) ?? 0) + 1);
      process.stderr.write(
        `Still open ${GRACE_MS / 1000} s after the run (a test did not close it): ${[...counts]
          .map(([h, n]) => (n > 1 ? `${h} ×${n}` : h))
          .join(', ')}\n`,
      );
      process.exit(code);
    }, GRACE_MS).unref();
  }
}

module.exports = OpenHandlesReporter;
