import type { Job } from 'bullmq';
import { alertProcessor, QUIET_APPLY_MS } from '../../jobs/alert-process';
import type { AlertJobData } from '../../src/adapters/queue/alert-queue';
import type { AlertDeps } from '../../src/app/alert-deps';

/** Deps whose store records each apply and finishes it when the test says so. */
function depsWithApplies() {
  const applies: { ids: number[]; finish: () => void }[] = [];
  const deps = {
    store: {
      applyPayloads: (ids: number[]) =>
        new Promise((resolve) => applies.push({ ids, finish: () => resolve([]) })),
    },
    settings: { rules: [], tenantLabels: ['tenant_id'] },
    clock: { now: () => new Date() },
  } as unknown as AlertDeps;
  return { deps, applies };
}

const job = (ids: number[]) =>
  ({ name: 'process', id: `payload-${ids[0]}`, data: { payloadIds: ids } }) as Job<AlertJobData>;

/** Lets pending promise callbacks run (fake timers leave microtasks alone). */
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** Two process jobs given to one processor at once, on fake timers; the first one applying. */
async function twoJobs() {
  jest.useFakeTimers();
  const { deps, applies } = depsWithApplies();
  const run = alertProcessor(deps);
  const first = run(job([1]));
  const second = run(job([2]));
  await flush();
  return { applies, first, second };
}

describe('alerts process jobs', () => {
  afterEach(() => jest.useRealTimers());

  it('apply one at a time in a process, the next one starting when the last finished', async () => {
    const { applies, first, second } = await twoJobs();
    expect(applies.map((a) => a.ids)).toEqual([[1]]);
    applies[0]?.finish();
    await expect(first).resolves.toEqual({ groups: 0 });
    await flush();
    // A quick apply: no pause before the next.
    expect(applies.map((a) => a.ids)).toEqual([[1], [2]]);
    applies[1]?.finish();
    await expect(second).resolves.toEqual({ groups: 0 });
  });

  it('pause after a long apply (a storm) as long as it took, then go on', async () => {
    const { applies, first, second } = await twoJobs();
    const took = QUIET_APPLY_MS * 4;
    jest.advanceTimersByTime(took);
    applies[0]?.finish();
    await first;
    await flush();
    expect(applies).toHaveLength(1); // pausing
    jest.advanceTimersByTime(took - 1);
    await flush();
    expect(applies).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await flush();
    expect(applies.map((a) => a.ids)).toEqual([[1], [2]]);
    applies[1]?.finish();
    await second;
  });

  it('a failed apply does not stop the next one', async () => {
    const deps = {
      store: {
        applyPayloads: jest
          .fn()
          .mockRejectedValueOnce(new Error('database down'))
          .mockResolvedValueOnce([]),
      },
      settings: { rules: [], tenantLabels: ['tenant_id'] },
      clock: { now: () => new Date() },
    } as unknown as AlertDeps;
    const run = alertProcessor(deps);
    const results = await Promise.allSettled([run(job([1])), run(job([2]))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });
});
