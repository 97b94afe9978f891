/**
 * Real services under test: TEST_DATABASE_URL (Postgres 15) and TEST_REDIS_URL (Redis). Without
 * them the cases that need them are not run, and say why in their title ("not run: … is
 * unset"); test/support/not-run-reporter.js prints that reason once at the end of the run. CI
 * (.ci/run) sets both, so they run there.
 */
export type ServiceVar = 'TEST_DATABASE_URL' | 'TEST_REDIS_URL';

export interface Service {
  /** The URL, when set. */
  url: string | undefined;
  /** `describe`, or `describe.skip` when the variable is unset. */
  describe: jest.Describe;
  /** The title, with the reason it is not run when the variable is unset. */
  title(title: string): string;
}

export function service(name: ServiceVar): Service {
  const url = process.env[name] || undefined;
  return {
    url,
    describe: url ? describe : describe.skip,
    title: (title) => (url ? title : `${title} (not run: ${name} is unset)`),
  };
}

export const realPostgres = (): Service => service('TEST_DATABASE_URL');
export const realRedis = (): Service => service('TEST_REDIS_URL');
