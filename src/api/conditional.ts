import type { Request } from 'express';

/**
 * Whether a GET or HEAD may be answered `304 Not Modified`: its `If-None-Match` names the
 * current entity tag (weak comparison), or is `*`. Evaluated whatever `Cache-Control` the
 * request carries, as an origin server must (RFC 9110 §13.1.2): browsers and Node's
 * `fetch` send `Cache-Control: no-cache` with every conditional request, and express's
 * `req.fresh` would answer those 200 every time.
 */
export function notModified(req: Request, etag: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const header = req.get('if-none-match');
  if (!header) return false;
  if (header.trim() === '*') return true;
  const current = opaqueTag(etag);
  return header.split(',').some((tag) => opaqueTag(tag.trim()) === current);
}

/** The tag without its weakness marker: `W/"x"` and `"x"` compare equal (weak comparison). */
function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
