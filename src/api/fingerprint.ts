import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { JobOptions } from '../shared/schemas';

/**
 * What makes two submits the same request: `<document hash>.<options hash>`. Options are
 * hashed in their RFC 8785 canonical JSON (keys in code-point order, numbers in one form),
 * so every host agrees whatever its locale.
 */
export function requestFingerprint(documentHash: string, options: JobOptions): string {
  return `${documentHash}.${sha256(canonicalize(options) ?? '')}`;
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
