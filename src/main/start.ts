// `npm start`: everything in one process (migrations, web, workers); console mode without Slack tokens.
import { configOrExit, failStart, handleSignals } from './process-entry';
import { startRuntime } from './runtime';

async function main(): Promise<void> {
  const config = configOrExit();
  const signals = handleSignals();
  const consoleMode = config.slackMode === 'console';
  const runtime = await startRuntime(config, {
    web: true,
    worker: true,
    migrate: true,
    console: consoleMode
      ? {
          input: process.stdin,
          write: (line) => process.stdout.write(`${line}\n`),
          ansi: process.stdout.isTTY === true,
        }
      : undefined,
  });
  signals.attach(runtime);
  if (consoleMode) {
    await runtime.finished;
    await runtime.stop();
    process.exit(0);
  }
}

main().catch(failStart);
