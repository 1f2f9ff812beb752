import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';

/** Where the generated secret is kept when WEBHOOK_SECRET is not set. */
export function webhookSecretFile(config: Config): string {
  return path.join(config.dataDir, 'webhook-secret');
}

/**
 * The secret webhooks are signed with: WEBHOOK_SECRET, else the one kept under DATA_DIR,
 * made on first use (`whsec_` and 32 random bytes, base64, as Standard Webhooks has it).
 * `generated` says whether this call made it.
 */
export async function webhookSecret(config: Config): Promise<{ secret: string; file: string | null; generated: boolean }> {
  if (config.webhooks.secret !== undefined) return { secret: config.webhooks.secret, file: null, generated: false };
  const file = webhookSecretFile(config);
  const kept = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    },
  );
  if (kept) return { secret: kept, file, generated: false };
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  await mkdir(path.dirname(file), { recursive: true });
  try {
    // `wx`: when two processes start at once, the first one's secret is the one kept.
    await writeFile(file, `${secret}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { secret: (await readFile(file, 'utf8')).trim(), file, generated: false };
  }
  return { secret, file, generated: true };
}
