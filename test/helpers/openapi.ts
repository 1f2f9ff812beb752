import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type request from 'supertest';
import { openApiDocument } from '../../src/api/openapi';

const document = openApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi.json', components: document.components }, 'openapi.json');

type Method = 'get' | 'post' | 'delete';

/** Asserts a real response matches what the OpenAPI document says for that operation and status. */
export function expectMatchesOpenApi(res: request.Response, path: string, method: Method): void {
  const operation = (document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)[path]?.[method];
  if (!operation) throw new Error(`the OpenAPI document has no ${method.toUpperCase()} ${path}`);
  const response = operation.responses[String(res.status)] as
    | { content?: Record<string, { schema: object }> }
    | undefined;
  if (!response) throw new Error(`${method.toUpperCase()} ${path} documents no ${res.status} response`);
  if (!response.content) {
    expect(res.text ?? '').toBe('');
    return;
  }
  const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!;
  const content = response.content[mediaType];
  if (!content) throw new Error(`${method.toUpperCase()} ${path} ${res.status} documents no ${mediaType} body`);
  if (!mediaType.includes('json')) return;
  const validate = ajv.compile(rebase(content.schema));
  const valid = validate(res.body);
  if (!valid) throw new Error(`response does not match the OpenAPI schema: ${ajv.errorsText(validate.errors)}`);
}

/** Points the document's local `#/components/...` references at the registered document. */
function rebase(schema: object): object {
  return JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/'));
}
