import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consoleLogDestination } from '../../src/adapters/console/console-log';
import { createLogger } from '../../src/adapters/logging/logger';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tenantops-log-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('console mode logs', () => {
  it('appends every line to <dataDir>/tenantops.log and sums up warnings and errors on stderr', async () => {
    const stderr: string[] = [];
    const dataDir = path.join(dir, 'data');
    const first = consoleLogDestination(dataDir, (t) => stderr.push(t));
    expect(first.file).toBe(path.join(dataDir, 'tenantops.log'));
    const log = createLogger({ level: 'info', destination: first.stream });
    log.info({ incident: 'INC-1' }, 'incident declared');
    log.warn('slow answer from jane.doe@example.com');
    log.error({ err: new Error('connection refused') }, 'database unreachable');
    // A second run appends to the same file.
    const again = createLogger({
      level: 'info',
      destination: consoleLogDestination(dataDir, () => undefined).stream,
    });
    again.info('second run');

    const lines = (await readFile(first.file, 'utf8')).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual([
      'incident declared',
      'slow answer from j***@example.com',
      'database unreachable',
      'second run',
    ]);
    expect(stderr).toEqual([
      `tenantops warning: slow answer from j***@example.com (details in ${first.file})\n`,
      `tenantops error: database unreachable: connection refused (details in ${first.file})\n`,
    ]);
  });

  it('names the file relative to the working directory when it lies inside it', () => {
    const inside = consoleLogDestination(path.join(process.cwd(), '.tenantops-test-log'), () => {});
    expect(inside.file).toBe(path.join('.tenantops-test-log', 'tenantops.log'));
    return rm(path.join(process.cwd(), '.tenantops-test-log'), { recursive: true, force: true });
  });
});
