// Build step: bundle the workflow code once, so production workers start without webpack.
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH, WORKFLOW_INTERCEPTOR_MODULES } from './createWorker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  await writeFile(WORKFLOW_BUNDLE_PATH, code);
  // On stderr: stdout stays for what the command run after the build answers (e.g. a new API key).
  console.error(`workflow bundle written to ${WORKFLOW_BUNDLE_PATH}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
