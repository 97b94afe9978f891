import { randomUUID } from 'node:crypto';
import type { RoleBinding } from '../domain/access/access';
import type { SlaEvent, SlaIncident } from '../ports/sla-store';
import type { SlaDeps } from './sla-deps';
import { groupEvents, recipients, slaMessage } from './sla-messages';

interface Leased {
  incident: SlaIncident;
  events: SlaEvent[];
  holders: RoleBinding[];
}

/**
 * Posts the incident's fired, unposted events, one message per group (same clock kind, step
 * and due time). The events are leased first, so with several workers each is posted by one;
 * each group is marked posted as soon as Slack took it. If a post fails the lease is given
 * back for the retry; if the worker dies, or `signal` aborts a post that is still in flight
 * (shutdown), the lease is kept: the post may still land, and only once the lease runs out
 * does the reconciler have them posted again. Returns how many events were posted.
 */
export async function postSlaEvents(
  deps: SlaDeps,
  incident: number,
  signal?: AbortSignal,
): Promise<number> {
  const token = randomUUID();
  const now = deps.clock.now();
  const leased = await deps.store.inScope('*', async (tx): Promise<Leased | undefined> => {
    const events = await tx.leaseUnposted(
      incident,
      token,
      new Date(now.getTime() + deps.settings.leaseMs),
      now,
    );
    const inc = events.length > 0 ? await tx.incident(incident) : undefined;
    if (!inc) return undefined;
    return {
      incident: inc,
      events,
      holders: await tx.roleHolders(inc.tenants, ['comms', 'commander']),
    };
  });
  if (!leased) return 0;
  let posted = 0;
  const groups = groupEvents(leased.events);
  for (const [i, group] of groups.entries()) {
    const ids = group.events.map((e) => e.id);
    try {
      const to = recipients(leased.incident, group, leased.holders);
      const post = deps.incidents.notifier.post(
        leased.incident,
        slaMessage(leased.incident, group, to, deps.clock.now()),
      );
      await (signal ? untilAborted(post, signal) : post);
    } catch (err) {
      if (err instanceof PostAbandoned) throw err;
      // Give the lease back at once so the job's retry (or another worker) posts them.
      const unposted = groups.slice(i).flatMap((g) => g.events.map((e) => e.id));
      await deps.store
        .inScope('*', (tx) => tx.releaseLease(unposted, token))
        .catch(() => undefined);
      throw err;
    }
    await deps.store.inScope('*', (tx) => tx.markPosted(ids, token, deps.clock.now()));
    posted += ids.length;
  }
  return posted;
}

/** A post left in flight (shutdown): its outcome is unknown, so its lease is kept. */
export class PostAbandoned extends Error {
  constructor(reason: unknown) {
    super(`SLA post abandoned: ${String(reason)}`);
    this.name = 'PostAbandoned';
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new PostAbandoned(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new PostAbandoned(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
