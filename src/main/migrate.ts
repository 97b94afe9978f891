// Procfile `release`: applies database migrations under an advisory lock, then exits.
import { createLogger } from '../adapters/logging/logger';
import { prepareDatabase } from './deps';
import { configOrExit, failStart } from './process-entry';
import { openStorage } from './storage';

async function main(): Promise<void> {
  const config = configOrExit();
  const log = createLogger({ level: config.env.LOG_LEVEL });
  const storage = await openStorage(config, log);
  try {
    await prepareDatabase(config, storage, log, { migrate: true });
    log.info('migrations done');
  } finally {
    await storage.close();
  }
}

main().catch(failStart);
