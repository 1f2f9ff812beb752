import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ensureNamespace } from '../../src/temporal/setup';
import { testLogger } from '../helpers/logger';
import { startTestServer } from '../helpers/temporal';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await startTestServer();
});
afterAll(async () => {
  await env?.teardown();
});

describe('ensureNamespace', () => {
  test('when the namespace does not exist, then it is registered, and a second run changes nothing', async () => {
    const namespace = `ocr-jobs-setup-${Date.now()}`;

    await ensureNamespace(env.connection, namespace, testLogger);
    await ensureNamespace(env.connection, namespace, testLogger);

    const described = await env.connection.workflowService.describeNamespace({ namespace });
    expect(described.namespaceInfo?.name).toBe(namespace);
  });

  test('when the namespace exists, then it is left as it is', async () => {
    await expect(ensureNamespace(env.connection, 'default', testLogger)).resolves.toBeUndefined();
  });
});
