import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { z } from 'zod';

export const TENANT_ID_PATTERN = /^[a-z0-9-]{1,40}$/;
const KEY_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
/** What `npm run tenants` gives out: `ocr_` and 32 random bytes, base64url. */
const API_KEY_PREFIX = 'ocr_';

const tenantSchema = z
  .object({
    id: z.string().regex(TENANT_ID_PATTERN, 'use 1 to 40 lower-case letters, digits and dashes'),
    keys: z
      .array(z.string().regex(KEY_HASH_PATTERN, 'write "sha256:" and the 64 hex digits of the SHA-256 of the key, never the key itself'))
      .default([]),
    webhookSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'write "whsec_" and the base64 of the secret').optional(),
    submitsPerMinute: z.number().int().min(1).optional(),
    maxActiveJobs: z.number().int().min(1).optional(),
  })
  .strict();

const tenantsFileSchema = z
  .object({ tenants: z.array(tenantSchema) })
  .strict()
  .superRefine(({ tenants }, ctx) => {
    const ids = new Map<string, number>();
    const keys = new Map<string, number>();
    tenants.forEach((tenant, index) => {
      const other = ids.get(tenant.id);
      if (other !== undefined) ctx.addIssue({ code: 'custom', path: ['tenants', index, 'id'], message: `${tenant.id} is also tenant ${other}` });
      ids.set(tenant.id, index);
      tenant.keys.forEach((key, keyIndex) => {
        const owner = keys.get(key);
        if (owner !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['tenants', index, 'keys', keyIndex], message: `the same key is also one of tenant ${owner}'s` });
        }
        keys.set(key, index);
      });
    });
  });

export type Tenant = z.output<typeof tenantSchema>;

/** A tenants file that cannot be used, with one line per problem. */
export class TenantsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid tenants file ${file}:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'TenantsFileError';
  }
}

/** Parses a tenants file (YAML, or JSON, which is YAML too). @throws TenantsFileError */
export function parseTenants(text: string, file: string): Tenant[] {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length) {
    throw new TenantsFileError(file, document.errors.map((err) => err.message.split('\n')[0]!));
  }
  const parsed = tenantsFileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) {
    throw new TenantsFileError(
      file,
      parsed.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(file)'}: ${issue.message}`),
    );
  }
  return parsed.data.tenants;
}

/** Reads and parses a tenants file. @throws TenantsFileError */
export async function readTenants(file: string): Promise<Tenant[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TenantsFileError(file, [`cannot be read: ${(err as Error).message}`]);
  }
  return parseTenants(text, file);
}

/** How a key is written in the tenants file. */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export function newApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}
