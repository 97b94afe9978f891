// `npm start`: everything in one process (migrations, web, workers); console mode without Slack tokens.
import { configOrExit, exitOnSignals, failStart } from './process-entry';
import { startRuntime } from './runtime';

async function main(): Promise<void> {
  const config = configOrExit();
  const consoleMode = config.slackMode === 'console';
  const runtime = await startRuntime(config, {
    web: true,
    worker: true,
    migrate: true,
    console: consoleMode
      ? { input: process.stdin, write: (line) => process.stdout.write(`${line}\n`) }
      : undefined,
  });
  exitOnSignals(runtime);
  if (consoleMode) {
    await runtime.finished;
    await runtime.stop();
    process.exit(0);
  }
}

main().catch(failStart);
