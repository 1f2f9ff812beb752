// `npm run tenants -- COMMAND`: keeps the tenants file (TENANTS_FILE). Keys are printed
// once, when made; the file holds only their SHA-256.
import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { hashApiKey, newApiKey, parseTenants, TENANT_ID_PATTERN, TenantsFileError } from '../auth/tenantsFile';

const USAGE = `usage: npm run tenants -- COMMAND   (the file is TENANTS_FILE, or --file PATH)
  add NAME               create a tenant and print its first API key
  key NAME               add another key to a tenant (rotation) and print it
  revoke NAME KEY        remove a key: the key itself, or the start of its sha256 hex (8+ digits)
  list                   the tenants and the start of each key's sha256`;

/** A problem the user can fix; printed without a stack trace. */
class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const args = [...argv];
  let file = process.env.TENANTS_FILE;
  const fileFlag = args.indexOf('--file');
  if (fileFlag !== -1) {
    file = args[fileFlag + 1];
    args.splice(fileFlag, 2);
  }
  const [command, name, keyArg, ...extra] = args;
  if (!command || command === 'help' || command === '--help') throw new UsageError(USAGE);
  if (!file) throw new UsageError('set TENANTS_FILE (or pass --file PATH) to the tenants file to keep');
  const tenants = await TenantsDocument.open(path.resolve(file));

  const wanted = (count: number) => {
    if ([name, keyArg].filter((value) => value !== undefined).length !== count || extra.length) throw new UsageError(USAGE);
  };
  switch (command) {
    case 'add': {
      wanted(1);
      const key = tenants.add(name!);
      await tenants.save();
      announceKey(name!, key, `tenant ${name} created in ${tenants.file}`);
      return;
    }
    case 'key': {
      wanted(1);
      const key = tenants.addKey(name!);
      await tenants.save();
      announceKey(name!, key, `new key added to tenant ${name}; the old ones work until revoked`);
      return;
    }
    case 'revoke': {
      wanted(2);
      const removed = tenants.revoke(name!, keyArg!);
      await tenants.save();
      process.stderr.write(`revoked key ${removed.slice(0, 'sha256:'.length + 12)}… of tenant ${name}; the API stops accepting it within seconds\n`);
      return;
    }
    case 'list': {
      wanted(0);
      for (const tenant of tenants.list()) {
        process.stdout.write(`${tenant.id}\t${tenant.keys.map((key) => key.slice('sha256:'.length, 'sha256:'.length + 12)).join(' ') || '(no keys)'}\n`);
      }
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}\n${USAGE}`);
  }
}

/** The key on stdout (for scripts), what to do with it on stderr. */
function announceKey(name: string, key: string, what: string): void {
  const hash = hashApiKey(key).slice('sha256:'.length, 'sha256:'.length + 12);
  process.stderr.write(`${what}\nthe API key below is shown only now; keep it secret (revoke it with: npm run tenants -- revoke ${name} ${hash})\n`);
  process.stdout.write(`${key}\n`);
}

/** The tenants file as a YAML document, so edits keep its comments and layout. */
class TenantsDocument {
  private constructor(
    readonly file: string,
    private readonly document: Document,
    private readonly json: boolean,
  ) {}

  static async open(file: string): Promise<TenantsDocument> {
    let text = 'tenants: []\n';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // Refuse to edit a file the service would refuse to read.
    parseTenants(text, file);
    return new TenantsDocument(file, parseDocument(text), file.endsWith('.json'));
  }

  list() {
    return parseTenants(this.document.toString(), this.file);
  }

  add(name: string): string {
    if (!TENANT_ID_PATTERN.test(name)) throw new UsageError(`tenant names are 1 to 40 lower-case letters, digits and dashes, not ${JSON.stringify(name)}`);
    if (this.indexOf(name) !== -1) throw new UsageError(`tenant ${name} already exists; add a key with: npm run tenants -- key ${name}`);
    const key = newApiKey();
    const entry = this.document.createNode({ id: name, keys: [hashApiKey(key)] });
    let tenants = this.document.get('tenants');
    if (!isSeq(tenants)) {
      tenants = this.document.createNode([]);
      this.document.set('tenants', tenants);
    }
    if (isSeq(tenants)) {
      // Block style, one tenant after another, however the list was written when empty.
      tenants.flow = false;
      tenants.add(entry);
    }
    return key;
  }

  addKey(name: string): string {
    const key = newApiKey();
    const keys = this.keysOf(name);
    if (keys) keys.add(hashApiKey(key));
    else this.document.setIn(['tenants', this.indexOf(name), 'keys'], this.document.createNode([hashApiKey(key)]));
    return key;
  }

  /** Removes one key, given whole or as the start of its hash. @returns the hash removed */
  revoke(name: string, given: string): string {
    const keys = this.keysOf(name);
    const hashes = (keys?.items ?? []).map((item) => String((item as { value?: unknown }).value ?? item));
    const prefix = given.replace(/^sha256:/, '').toLowerCase();
    const matches = hashes
      .map((hash, index) => ({ hash, index }))
      .filter(({ hash }) => hash === hashApiKey(given) || (/^[0-9a-f]{8,64}$/.test(prefix) && hash.startsWith(`sha256:${prefix}`)));
    if (matches.length === 0) throw new UsageError(`tenant ${name} has no key ${given} (npm run tenants -- list shows them)`);
    if (matches.length > 1) throw new UsageError(`${given} starts ${matches.length} keys of tenant ${name}; give more of it`);
    keys!.delete(matches[0]!.index);
    return matches[0]!.hash;
  }

  async save(): Promise<void> {
    const text = this.json ? `${JSON.stringify(this.document.toJS(), null, 2)}\n` : this.document.toString();
    // Never write a file the service would refuse.
    parseTenants(text, this.file);
    const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    // A new file is the owner's only; an existing one keeps its mode (a container may read it as another user).
    const mode = await stat(this.file).then((existing) => existing.mode & 0o777, () => 0o600);
    await writeFile(temp, text, { mode });
    await chmod(temp, mode);
    await rename(temp, this.file);
  }

  private indexOf(name: string): number {
    return this.list().findIndex((tenant) => tenant.id === name);
  }

  private keysOf(name: string) {
    const index = this.indexOf(name);
    if (index === -1) throw new UsageError(`there is no tenant ${name}; create it with: npm run tenants -- add ${name}`);
    const tenant = this.document.getIn(['tenants', index]);
    const keys = isMap(tenant) ? tenant.get('keys') : undefined;
    return isSeq(keys) ? keys : null;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof TenantsFileError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(err instanceof UsageError ? 1 : 2);
});
