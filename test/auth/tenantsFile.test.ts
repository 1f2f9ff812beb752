import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hashApiKey, parseTenants, TenantsFileError } from '../../src/auth/tenantsFile';
import { PROJECT_ROOT } from '../../src/paths';

const CLI = path.join(PROJECT_ROOT, 'dist/src/cli/tenants.js');
const run = promisify(execFile);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ocr-jobs-tenants-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `npm run tenants -- …args`: exit code, stdout and stderr. */
async function tenants(file: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, TENANTS_FILE: file } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function problemsOf(text: string): string[] {
  try {
    parseTenants(text, 'tenants.yaml');
  } catch (err) {
    if (err instanceof TenantsFileError) return err.problems;
    throw err;
  }
  return [];
}

describe('tenants file', () => {
  test('when a file is malformed, then each problem is one line naming where it is', () => {
    const hash = hashApiKey('ocr_same');
    const problems = problemsOf(
      [
        'tenants:',
        '  - id: acme',
        `    keys: ["${hash}", "sha256: ${'a'.repeat(64)}"]`,
        '    submitPerMinute: 5',
        '  - id: acme',
        `    keys: ["${hash}"]`,
        '    maxActiveJobs: 0',
        'extra: 1',
      ].join('\n'),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tenants\.0\.keys\.1: write "sha256:"/),
        expect.stringMatching(/^tenants\.0: .*submitPerMinute/),
        expect.stringMatching(/^tenants\.1\.maxActiveJobs: /),
        expect.stringMatching(/^tenants\.1\.id: acme is also tenant 0/),
        expect.stringMatching(/^tenants\.1\.keys\.0: the same key is also one of tenant 0's/),
        expect.stringMatching(/^\(file\): .*extra/),
      ]),
    );
    expect(problems).toHaveLength(6);
  });

  test('when a file is not YAML, JSON, or has no tenants list, then it is refused with a clear line', () => {
    expect(problemsOf('tenants: [\n')[0]).toMatch(/flow sequence|Missing|end/i);
    expect(problemsOf('')[0]).toMatch(/^tenants: /);
    expect(problemsOf('{"tenants": [{"id": "beta", "keys": []}]}')).toEqual([]);
    expect(problemsOf('tenants:\n  - id: a\n  a: 1\n  a: 2\n')).not.toEqual([]);
  });
});

describe('npm run tenants', () => {
  test('when a tenant is added, then its key is printed once and the file holds only its SHA-256', async () => {
    const file = path.join(dir, 'tenants.yaml');

    const added = await tenants(file, 'add', 'acme');

    expect(added.code).toBe(0);
    const key = added.stdout.trim();
    expect(key).toMatch(/^ocr_[A-Za-z0-9_-]{43}$/);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(key);
    expect(parseTenants(text, file)).toEqual([{ id: 'acme', keys: [hashApiKey(key)] }]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(added.stderr).toContain('shown only now');
  });

  test('when a key is added and the old one revoked by the start of its hash, then only the new key remains; comments and mode stay', async () => {
    const file = path.join(dir, 'tenants.yaml');
    await writeFile(file, '# our tenants\ntenants: []\n', { mode: 0o644 });
    const first = (await tenants(file, 'add', 'acme')).stdout.trim();
    const second = (await tenants(file, 'key', 'acme')).stdout.trim();

    const revoked = await tenants(file, 'revoke', 'acme', hashApiKey(first).slice(7, 17));

    expect(revoked.code).toBe(0);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('# our tenants');
    expect(parseTenants(text, file)).toEqual([{ id: 'acme', keys: [hashApiKey(second)] }]);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    // The key itself revokes too.
    expect((await tenants(file, 'revoke', 'acme', second)).code).toBe(0);
    expect(parseTenants(await readFile(file, 'utf8'), file)).toEqual([{ id: 'acme', keys: [] }]);
  });

  test('when asked something it cannot do, then it exits 1 saying why and leaves the file as it was', async () => {
    const file = path.join(dir, 'tenants.json');
    await tenants(file, 'add', 'acme');
    const before = await readFile(file, 'utf8');

    const outcomes = await Promise.all([
      tenants(file, 'add', 'acme'),
      tenants(file, 'add', 'Not Valid'),
      tenants(file, 'key', 'nobody'),
      tenants(file, 'revoke', 'acme', 'ffff'),
      tenants(file, 'rename', 'acme'),
      tenants(file),
    ]);

    expect(outcomes.map((outcome) => outcome.code)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(outcomes[0]!.stderr).toContain('already exists');
    expect(outcomes[1]!.stderr).toContain('lower-case letters');
    expect(outcomes[2]!.stderr).toContain('there is no tenant nobody');
    expect(outcomes[3]!.stderr).toContain('has no key ffff');
    expect(outcomes[5]!.stderr).toContain('usage: npm run tenants');
    expect(await readFile(file, 'utf8')).toBe(before);
    // A JSON file stays JSON.
    expect(JSON.parse(before)).toMatchObject({ tenants: [{ id: 'acme' }] });
  });
});
