import path from 'node:path';
import express, { Router } from 'express';
import { PROJECT_ROOT } from '../../paths';
import { allowMethods } from '../methods';

/** The built console: its script compiled by tsc, its HTML and CSS copied by scripts/build-console.js. */
export const CONSOLE_DIR = path.join(PROJECT_ROOT, 'dist', 'console');

/**
 * Scripts and styles come only from the console itself (no inline ones, no CDN); it talks
 * only to this API; page images are the user's own files, shown from `blob:` URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The web console at `/console/`, and `/` sending browsers there. Open: the console asks for a key itself. */
export function consoleRouter(): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.redirect(302, '/console/');
  });
  allowMethods(router, '/', ['GET']);
  router.use(
    '/console',
    (_req, res, next) => {
      res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      next();
    },
    // `/console` is redirected to `/console/`, so the page's relative asset URLs resolve under it.
    express.static(CONSOLE_DIR, { index: 'index.html', redirect: true }),
  );
  return router;
}
