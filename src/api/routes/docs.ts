import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { HTTP_ERRORS, JOB_ERRORS } from '../errorCatalogue';
import { allowMethods } from '../methods';
import { openApiDocument } from '../openapi';

const escape = (text: string) =>
  text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
/** The catalogue's light Markdown: `code` spans only. */
const inline = (text: string) => escape(text).replace(/`([^`]+)`/g, '<code>$1</code>');

function errorCatalogueHtml(): string {
  const http = HTTP_ERRORS.map(
    (e) =>
      `<tr id="${e.code}"><td><code>${e.code}</code></td><td>${e.status}</td><td>${inline(e.when)}</td><td>${inline(e.action)}</td></tr>`,
  ).join('\n');
  const job = JOB_ERRORS.map(
    (e) =>
      `<tr id="job-${e.code}"><td><code>${e.code}</code></td><td>${inline(e.steps)}</td><td>${e.retryable ? 'yes' : 'no'}</td><td>${inline(e.when)}</td><td>${inline(e.action)}</td></tr>`,
  ).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ocr-jobs error catalogue</title>
<style>body{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top;text-align:left}tr:target{background:#ffc}</style>
</head><body>
<h1>Error catalogue</h1>
<p>HTTP errors are RFC 9457 problem details whose <code>type</code> links here. A job that ends <code>ERROR</code> carries <code>{ code, message, retryable, failedStep }</code>.</p>
<h2>HTTP errors</h2>
<table><tr><th>code</th><th>status</th><th>when</th><th>what to do</th></tr>
${http}
</table>
<h2>Job errors</h2>
<table><tr><th>code</th><th>step</th><th>retryable</th><th>when</th><th>what to do</th></tr>
${job}
</table>
</body></html>`;
}

/** `/openapi.json`, the reference page at `/docs`, and the error catalogue at `/docs/errors`. */
export function docsRouter(): Router {
  const router = Router();
  const document = openApiDocument();
  const catalogue = errorCatalogueHtml();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs/errors', (_req, res) => {
    res.type('html').send(catalogue);
  });
  allowMethods(router, '/openapi.json', ['GET']);
  allowMethods(router, '/docs/errors', ['GET']);
  // Swagger UI's assets come from the installed swagger-ui-dist package, not a CDN.
  router.use('/docs', swaggerUi.serve, swaggerUi.setup(document, { customSiteTitle: 'ocr-jobs API' }));
  return router;
}
