import type { ControlKey, ControlValue } from './controls';

/**
 * A change tenantops made to one control key, remembered with the value it replaced so undo
 * puts back exactly that. `hold` is the caller's id for the change (a run's step), so a
 * retried step finds its own record instead of recording the changed value as "before".
 */
export interface ControlHold {
  hold: string;
  key: ControlKey;
  previous: ControlValue;
  applied: ControlValue;
  /** Order of the holds on one key: later holds stack on earlier ones. */
  seq: number;
}

export type ApplyPlan =
  /** First time: record `previous`, write the value. */
  | { record: true; write: boolean; previous: ControlValue }
  /** A retry of the same hold: the record stands; write only if no later hold took the key. */
  | { record: false; write: boolean; previous: ControlValue };

/** What applying `value` under `hold` does, given the holds on the key and its current value. */
export function planApply(
  holds: readonly ControlHold[],
  hold: string,
  current: ControlValue,
  value: ControlValue,
): ApplyPlan {
  const own = holds.find((h) => h.hold === hold);
  if (!own) return { record: true, write: current !== value, previous: current };
  const later = holds.some((h) => h.seq > own.seq);
  return { record: false, write: !later && current !== value, previous: own.previous };
}

export type UndoPlan =
  /** No record under this hold: never applied, or undone already. */
  | { action: 'none' }
  /** The newest hold on the key, and the value is still what it set: put `value` back. */
  | { action: 'restore'; value: ControlValue; write: boolean }
  /**
   * A later hold changed the key since: the value stays (the later change is still in force),
   * and the later hold inherits this one's `previous`, so undoing it restores what was there
   * before both.
   */
  | { action: 'pass_down'; to: ControlHold; previous: ControlValue }
  /** Someone changed the key outside tenantops since: left as it is, not overwritten. */
  | { action: 'changed_since'; current: ControlValue; previous: ControlValue };

export function planUndo(
  holds: readonly ControlHold[],
  hold: string,
  current: ControlValue,
): UndoPlan {
  const own = holds.find((h) => h.hold === hold);
  if (!own) return { action: 'none' };
  const next = holds
    .filter((h) => h.seq > own.seq)
    .sort((a, b) => a.seq - b.seq)
    .at(0);
  if (next) return { action: 'pass_down', to: next, previous: own.previous };
  if (current === own.previous) return { action: 'restore', value: own.previous, write: false };
  if (current !== own.applied) return { action: 'changed_since', current, previous: own.previous };
  return { action: 'restore', value: own.previous, write: current !== own.previous };
}
