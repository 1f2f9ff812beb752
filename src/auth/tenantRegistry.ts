import { createHash, timingSafeEqual } from 'node:crypto';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import { readTenants, TenantsFileError, type Tenant } from './tenantsFile';

/** How often the tenants file is looked at for changes; a revoked key stops working within this. */
export const TENANTS_FILE_POLL_MS = 1000;

interface KeyEntry {
  digest: Buffer;
  tenant: Tenant;
}

/**
 * The tenants of the tenants file, kept current: the file is read again when it changes (it
 * is polled, which also sees files replaced by a rename or on a mounted volume) and on
 * `reload()` (SIGHUP). A file that became invalid is reported and the tenants read before
 * it stay in force.
 */
export class TenantRegistry {
  private entries: KeyEntry[] = [];
  private byId = new Map<string, Tenant>();
  private reading: Promise<void> = Promise.resolve();

  private constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** Reads the file and starts watching it. @throws TenantsFileError when the file cannot be used. */
  static async open(file: string, logger: Logger): Promise<TenantRegistry> {
    const registry = new TenantRegistry(file, logger);
    registry.use(await readTenants(file));
    watchFile(file, { interval: TENANTS_FILE_POLL_MS }, registry.onChange);
    return registry;
  }

  /** The tenant whose key this is, or null. Every stored key is compared, in constant time. */
  tenantOfKey(key: string): Tenant | null {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: Tenant | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && found === null) found = entry.tenant;
    }
    return found;
  }

  tenant(id: string): Tenant | undefined {
    return this.byId.get(id);
  }

  /** Reads the file again now (SIGHUP). Resolves once read, whether or not it could be used. */
  reload(): Promise<void> {
    this.reading = this.reading.then(() => this.read());
    return this.reading;
  }

  close(): void {
    unwatchFile(this.file, this.onChange);
  }

  private readonly onChange = (current: Stats, previous: Stats): void => {
    if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
    void this.reload();
  };

  private async read(): Promise<void> {
    try {
      this.use(await readTenants(this.file));
      this.logger.info({ file: this.file, tenants: this.byId.size }, 'tenants file reloaded');
    } catch (err) {
      const problems = err instanceof TenantsFileError ? err.problems : [String(err)];
      this.logger.error({ file: this.file, problems }, `tenants file not reloaded; the ${this.byId.size} tenants read before stay in force`);
    }
  }

  private use(tenants: Tenant[]): void {
    this.entries = tenants.flatMap((tenant) =>
      tenant.keys.map((key) => ({ digest: Buffer.from(key.slice('sha256:'.length), 'hex'), tenant })),
    );
    this.byId = new Map(tenants.map((tenant) => [tenant.id, tenant]));
  }
}
