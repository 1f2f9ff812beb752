import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/createWorker';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/searchAttributes';
import { findTemporalCli } from '../../src/temporal/cli';
import { installTemporalRuntime } from '../../src/worker/runtime';
import { testLogger } from './logger';

let cliPath: string | undefined;
let runtimeInstalled = false;

/** The installed Temporal CLI (found or installed by scripts/temporal-cli.sh). */
export function temporalCli(): string {
  cliPath ??= process.env.TEMPORAL_CLI || findTemporalCli();
  return cliPath;
}

/**
 * Installs the process's Temporal runtime before anything makes one: SDK and core logs go to
 * the (silent) test logger, and test workers are stopped by the tests, not by signals.
 */
export function installTestRuntime(): void {
  if (runtimeInstalled) return;
  installTemporalRuntime(testLogger, []);
  runtimeInstalled = true;
}

/** A real Temporal dev server for one test file, run from the installed CLI (no download). */
export function startTestServer(): Promise<TestWorkflowEnvironment> {
  installTestRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      ip: '127.0.0.1',
      log: { format: 'pretty', level: 'error' },
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
    },
  });
}

/** Bundle the workflows once per test file; workers in it share the bundle. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: silentWebpackLogger,
  });
}

const silentWebpackLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => console.error(message),
};
