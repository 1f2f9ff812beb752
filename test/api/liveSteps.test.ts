import type { WorkflowExecutionDescription } from '@temporalio/client';
import { protoDuration as msNumberToTs } from '../../src/temporal/time';
import { temporal } from '@temporalio/proto';
import { liveSteps } from '../../src/api/liveSteps';

const { PENDING_ACTIVITY_STATE_SCHEDULED: SCHEDULED, PENDING_ACTIVITY_STATE_STARTED: STARTED } =
  temporal.api.enums.v1.PendingActivityState;
const NOW = Date.parse('2026-11-28T12:00:00Z');

function describing(pendingActivities: object[]): WorkflowExecutionDescription {
  return { raw: { pendingActivities } } as unknown as WorkflowExecutionDescription;
}

describe('liveSteps', () => {
  test('when a page waits for its next attempt, then the retry says which step, which attempt, when and why', () => {
    const live = liveSteps(
      describing([
        {
          activityType: { name: 'recognizePage' },
          state: SCHEDULED,
          attempt: 2,
          maximumAttempts: 4,
          nextAttemptScheduleTime: msNumberToTs(NOW + 3000),
          lastFailure: { message: 'engine crashed', applicationFailureInfo: { type: 'OCR_FAILED' } },
        },
      ]),
      NOW,
    );

    expect(live.retry).toEqual({
      step: 'recognize',
      attempt: 2,
      maxAttempts: 4,
      nextAttemptAt: '2026-11-28T12:00:03.000Z',
      lastError: { code: 'OCR_FAILED', message: 'engine crashed' },
    });
  });

  test('when a running page last heartbeated longer ago than its heartbeat timeout, then it is stalled', () => {
    const page = (secondsAgo: number) => ({
      activityType: { name: 'recognizePage' },
      state: STARTED,
      attempt: 1,
      lastHeartbeatTime: msNumberToTs(NOW - secondsAgo * 1000),
    });

    const fresh = liveSteps(describing([page(3)]), NOW);
    const stale = liveSteps(describing([page(12)]), NOW);

    expect(fresh).toEqual({ retry: null, lastHeartbeatAt: '2026-11-28T11:59:57.000Z', stalled: false });
    expect(stale).toMatchObject({ retry: null, stalled: true });
  });

  test('when a step that does not heartbeat runs, or a timed-out attempt waits, then nothing is stalled and the error says timeout', () => {
    const live = liveSteps(
      describing([
        { activityType: { name: 'loadDocument' }, state: STARTED, attempt: 1, lastStartedTime: msNumberToTs(NOW - 60_000) },
        {
          activityType: { name: 'recognizePage' },
          state: SCHEDULED,
          attempt: 3,
          maximumAttempts: 4,
          lastFailure: { message: 'activity Heartbeat timeout', timeoutFailureInfo: { timeoutType: 3 } },
        },
      ]),
      NOW,
    );

    expect(live.stalled).toBe(false);
    expect(live.lastHeartbeatAt).toBeNull();
    expect(live.retry).toMatchObject({ step: 'recognize', attempt: 3, lastError: { code: 'STEP_TIMEOUT' } });
  });
});
