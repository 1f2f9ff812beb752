import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/searchAttributes';
import { ensureNamespace, prepareNamespace } from '../../src/temporal/setup';
import { eventually } from '../helpers/jobs';
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

describe('prepareNamespace', () => {
  const customOf = async (namespace: string) =>
    Object.keys((await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {});

  test('when search attributes may be registered, then every one the service uses is; when not (no operator rights), then none is', async () => {
    const allowed = `ocr-jobs-sa-${Date.now()}`;
    const forbidden = `ocr-jobs-no-sa-${Date.now()}`;

    // A namespace just registered takes the server a moment to serve: try until it does.
    const prepared = (namespace: string, options?: { registerSearchAttributes: boolean }) =>
      eventually(() => prepareNamespace(env.connection, namespace, testLogger, options).then(() => customOf(namespace)).then(() => true, () => false), (ok) => ok);
    await prepared(allowed);
    await prepared(forbidden, { registerSearchAttributes: false });

    expect(await customOf(allowed)).toEqual(expect.arrayContaining(CUSTOM_SEARCH_ATTRIBUTES.map((key) => key.name)));
    expect(await customOf(forbidden)).not.toContain('OcrMediaType');
    expect((await env.connection.workflowService.describeNamespace({ namespace: forbidden })).namespaceInfo?.name).toBe(forbidden);
  });
});
