import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { status as grpcStatus } from '@grpc/grpc-js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/shared/searchAttributes';
import { ensureNamespace, prepareNamespace, TemporalSetupError } from '../../src/temporal/setup';
import { PROJECT_ROOT } from '../../src/paths';
import { eventually } from '../helpers/jobs';
import { freePort } from '../helpers/ports';
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

  test('when the service registers the namespace, then Temporal keeps closed jobs RETENTION_DAYS and a day', async () => {
    const namespace = `ocr-jobs-retention-${Date.now()}`;

    await ensureNamespace(env.connection, namespace, testLogger, 3);

    expect(await retentionHours(namespace)).toBe(4 * 24);
  });

  test('when the namespace exists, then it is left as it is', async () => {
    await expect(ensureNamespace(env.connection, 'default', testLogger)).resolves.toBeUndefined();
  });
});

/** How long the namespace keeps closed workflows, in hours. */
async function retentionHours(namespace: string): Promise<number> {
  const { config } = await env.connection.workflowService.describeNamespace({ namespace });
  return Number(config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 3600;
}

/** A namespace just registered takes the server a moment to serve. */
const servedSoon = (namespace: string) =>
  eventually(() => env.connection.operatorService.listSearchAttributes({ namespace }).then(() => true, () => false), (ok) => ok);

describe('namespace retention', () => {
  /** A logger whose warnings the test reads. */
  const recording = () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    return { logger, lines };
  };

  test('when the embedded dev server keeps closed jobs shorter than RETENTION_DAYS and a day, then the service lengthens it', async () => {
    const namespace = `ocr-jobs-short-${Date.now()}`;
    await ensureNamespace(env.connection, namespace, testLogger, 1);
    await servedSoon(namespace);

    await prepareNamespace(env.connection, namespace, testLogger, { setup: 'auto', retentionDays: 5, embedded: true });

    expect(await retentionHours(namespace)).toBe(6 * 24);
  });

  test("when an operator's namespace keeps closed jobs too short, then it is left alone and a warning says what to run", async () => {
    const namespace = `ocr-jobs-operated-${Date.now()}`;
    await ensureNamespace(env.connection, namespace, testLogger, 1);
    await servedSoon(namespace);
    const { logger, lines } = recording();

    await prepareNamespace(env.connection, namespace, logger, { setup: 'auto', retentionDays: 5 });

    expect(await retentionHours(namespace)).toBe(2 * 24);
    expect(lines.join('')).toContain(`temporal operator namespace update --namespace ${namespace} --retention 144h`);
  });
});

describe('prepareNamespace', () => {
  const customOf = async (namespace: string) =>
    Object.keys((await env.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {});
  const names = CUSTOM_SEARCH_ATTRIBUTES.map((key) => key.name);
  /** A namespace registered by an operator, with none of the service's search attributes. */
  const bareNamespace = async (prefix: string) => {
    const namespace = `${prefix}-${Date.now()}`;
    await ensureNamespace(env.connection, namespace, testLogger);
    // A namespace just registered takes the server a moment to serve.
    await eventually(() => customOf(namespace).then(() => true, () => false), (ok) => ok);
    return namespace;
  };
  /** The dev server grants everything; a server where the service has no operator rights answers PERMISSION_DENIED. */
  const withoutOperatorRights = (): Parameters<typeof prepareNamespace>[0] => {
    const denied = () => Promise.reject(Object.assign(new Error('7 PERMISSION_DENIED: not allowed'), { code: grpcStatus.PERMISSION_DENIED, details: 'not allowed', metadata: {} }));
    return {
      workflowService: Object.assign(Object.create(env.connection.workflowService) as object, { registerNamespace: denied }),
      operatorService: Object.assign(Object.create(env.connection.operatorService) as object, { addSearchAttributes: denied }),
    } as unknown as Parameters<typeof prepareNamespace>[0];
  };

  test('when setup is auto, then the namespace and every search attribute the service uses are registered', async () => {
    const namespace = `ocr-jobs-sa-${Date.now()}`;

    await eventually(() => prepareNamespace(env.connection, namespace, testLogger, { setup: 'auto' }).then(() => customOf(namespace)).then(() => true, () => false), (ok) => ok);

    expect(await customOf(namespace)).toEqual(expect.arrayContaining(names));
  });

  test('when setup is off and search attributes are missing, then nothing is registered and the error names each with the command that adds it', async () => {
    const namespace = await bareNamespace('ocr-jobs-off');

    const failure = await prepareNamespace(env.connection, namespace, testLogger, { setup: 'off' }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(TemporalSetupError);
    for (const name of names) expect((failure as Error).message).toContain(`--name ${name} --type`);
    expect((failure as Error).message).toContain('--name OcrPageCount --type Int');
    expect(await customOf(namespace)).not.toContain('OcrJobStatus');
  });

  test('when setup is off and the namespace does not exist, then the error names it and it is not created', async () => {
    const namespace = `ocr-jobs-missing-${Date.now()}`;

    await expect(prepareNamespace(env.connection, namespace, testLogger, { setup: 'off' })).rejects.toThrow(`namespace ${namespace} does not exist`);
    await expect(env.connection.workflowService.describeNamespace({ namespace })).rejects.toThrow();
  });

  test('when setup is off and everything exists, then it checks and goes on', async () => {
    await expect(prepareNamespace(env.connection, 'default', testLogger, { setup: 'off' })).resolves.toBeUndefined();
  });

  test('when setup is auto without operator rights, then the service goes on where all exists, and names what is missing where not', async () => {
    const bare = await bareNamespace('ocr-jobs-denied');

    await expect(prepareNamespace(withoutOperatorRights(), 'default', testLogger, { setup: 'auto' })).resolves.toBeUndefined();
    const failure = await prepareNamespace(withoutOperatorRights(), bare, testLogger, { setup: 'auto' }).catch((err: unknown) => err);

    expect(failure).toBeInstanceOf(TemporalSetupError);
    expect((failure as Error).message).toContain(`namespace ${bare} lacks the search attributes ${names.join(', ')}`);
  });
});

describe('the worker and the API at start', () => {
  /** Runs a built entry point to its exit; its exit code and what it printed. */
  function runToExit(script: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src', script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
  }

  test('when setup is off and the namespace lacks the search attributes, then both exit 2 naming them, having registered none', async () => {
    const namespace = `ocr-jobs-start-off-${Date.now()}`;
    await ensureNamespace(env.connection, namespace, testLogger);
    await eventually(() => env.connection.operatorService.listSearchAttributes({ namespace }).then(() => true, () => false), (served) => served);
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-setup-'));
    const settings = { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_SETUP: 'off', DATA_DIR: dataDir, OCR_POOL_SIZE: '1', HOST: '127.0.0.1' };
    try {
      const [worker, api] = await Promise.all([
        runToExit('worker/main.js', settings),
        runToExit('api/server.js', { ...settings, PORT: String(await freePort()) }),
      ]);

      for (const { code, output } of [worker, api]) {
        expect(code).toBe(2);
        expect(output).toContain(`namespace ${namespace} lacks the search attributes OcrJobStatus`);
      }
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace });
      expect(Object.keys(customAttributes ?? {})).not.toContain('OcrJobStatus');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

