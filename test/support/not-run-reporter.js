// A jest reporter: after the run, one line per reason why tests were not run here (the
// "(not run: …)" in their titles, e.g. "TEST_REDIS_URL is unset"), and a line for any test
// skipped without saying why, so neither goes unnoticed.
class NotRunReporter {
  onRunComplete(_contexts, results) {
    const reasons = new Map();
    for (const file of results.testResults) {
      for (const test of file.testResults) {
        if (test.status !== 'pending' && test.status !== 'skipped' && test.status !== 'todo')
          continue;
        const titles = [...test.ancestorTitles, test.title].join(' ');
        const reason =
          /\(not run: ([^)]+)\)/.exec(titles)?.[1] ??
          'skipped without a stated reason: it.skip, or left out by -t';
        const entry = reasons.get(reason) ?? { tests: 0, files: new Set() };
        entry.tests++;
        entry.files.add(file.testFilePath.replace(/^.*\/test\//, 'test/'));
        reasons.set(reason, entry);
      }
    }
    for (const [reason, { tests, files }] of reasons)
      process.stderr.write(
        `Not run here: ${tests} test${tests === 1 ? '' : 's'} (${reason}): ${[...files].join(', ')}\n`,
      );
  }
}

module.exports = NotRunReporter;
