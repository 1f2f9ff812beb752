// Jobs already running when new workflow code is deployed must go on under it. Every
// history in test/fixtures/histories was recorded from an earlier version of the workflow;
// the current code must replay each one without a nondeterminism error.
import { readdirSync } from 'node:fs';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { HISTORIES_DIR, HISTORY_EXTENSION, loadHistory } from '../helpers/histories';
import { bundleWorkflows, installTestRuntime } from '../helpers/temporal';

const recorded = readdirSync(HISTORIES_DIR).filter((name) => name.endsWith(HISTORY_EXTENSION));

let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  installTestRuntime();
  bundle = await bundleWorkflows();
});

describe('replaying recorded job histories', () => {
  test('when the fixtures are listed, then there are histories to replay', () => {
    expect(recorded.length).toBeGreaterThanOrEqual(7);
  });

  test.each(recorded)('when %s is replayed with the current workflow code, then it replays without nondeterminism', async (name) => {
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, loadHistory(name), name)).resolves.toBeUndefined();
  });
});
