/** Time is a port so domain rules and SLA edges are testable without fake timers. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
