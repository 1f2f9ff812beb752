import type { Router } from 'express';
import { ApiError, ApiErrorCode } from './problems';

/**
 * Declares the methods a path takes: any other method gets `405` with `Allow` (RFC 9110
 * §15.5.6), and `OPTIONS` gets `204` with `Allow`. Register after the path's handlers.
 */
export function allowMethods(router: Router, path: string, methods: readonly string[]): void {
  const allow = [...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  router.all(path, (req, res) => {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    throw new ApiError(405, ApiErrorCode.METHOD_NOT_ALLOWED, `${req.method} is not allowed on ${req.path}; allowed: ${allow}`);
  });
}
