// Events handed from a job to its webhook workflow in groups: each after the first carries
// only what changed in the job's state since the event before it, so a job of thousands of
// pages does not write thousands of whole states into either history. Workflow-safe.
import type { JobEvent } from './events';
import type { JobState } from './jobs';

/** An event as handed over: its state whole, or the top-level fields that changed since the event before. */
export type HandedEvent = Omit<JobEvent, 'state'> & ({ state: JobState } | { changes: Partial<JobState> });

/** `events`, each after the first carrying its changes from the one before (`before`: the state the receiver has, if any). */
export function squeezeEvents(events: JobEvent[], before: JobState | null): HandedEvent[] {
  let previous = before;
  return events.map(({ state, ...event }) => {
    const handed: HandedEvent = previous ? { ...event, changes: changesFrom(previous, state) } : { ...event, state };
    previous = state;
    return handed;
  });
}

/** The events whole again, from the state the receiver had before them. */
export function expandEvents(handed: HandedEvent[], before: JobState | null): JobEvent[] {
  let previous = before;
  return handed.map((event) => {
    const { changes, state, ...rest } = event as HandedEvent & { changes?: Partial<JobState>; state?: JobState };
    const whole = state ?? { ...previous!, ...changes };
    previous = whole;
    return { ...rest, state: whole };
  });
}

function changesFrom(previous: JobState, next: JobState): Partial<JobState> {
  const changes: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  for (const key of keys) {
    const was = (previous as unknown as Record<string, unknown>)[key];
    const now = (next as unknown as Record<string, unknown>)[key];
    if (JSON.stringify(was) !== JSON.stringify(now)) changes[key] = now;
  }
  return changes as Partial<JobState>;
}
