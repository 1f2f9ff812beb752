import { isTerminalEvent, type JobEvent, type JobEventType, type JobEventsPage, type StepRetry } from '../shared/events';
import type { JobState } from '../shared/jobs';
import { compactState } from './jobTracker';

/** What an event adds to the job's state. */
export interface EventDetail {
  page?: number;
  retry?: StepRetry;
}

/**
 * The events of one job, numbered as they happen. Kept in the workflow's memory (rebuilt by
 * replay, so they cost no history); readers page through them with `jobEventsQuery`.
 */
export class JobEventLog {
  private readonly events: JobEvent[] = [];
  /** Called with each event as it is recorded. */
  onRecorded: ((event: JobEvent) => void) | null = null;

  get lastSequence(): number {
    return this.events.length;
  }

  record(type: JobEventType, state: JobState, detail: EventDetail = {}): JobEvent {
    // The job's last event carries its state whole; the others leave per-page results out.
    const copy = JSON.parse(JSON.stringify(state)) as JobState;
    const snapshot = isTerminalEvent(type) ? copy : compactState(copy);
    const event: JobEvent = { sequence: this.events.length + 1, type, timestamp: state.updatedAt, state: snapshot, ...detail };
    this.events.push(event);
    this.onRecorded?.(event);
    return event;
  }

  after(after: number, limit: number): JobEventsPage {
    const from = Math.max(0, Math.floor(after));
    return { events: this.events.slice(from, from + Math.max(1, limit)), lastSequence: this.lastSequence };
  }
}
