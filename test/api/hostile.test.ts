// Malformed, oversized, slow and odd requests, sent as hostile or careless clients send them
// (Node's fetch and raw sockets) to the API listening on a real port: every answer is a
// problem document with the right status, and nothing is held open.
import net from 'node:net';
import { once } from 'node:events';
import { startApiHarness, type ApiHarness } from '../helpers/harness';
import { renderText } from '../helpers/images';
import { listen, type Listening } from '../helpers/listen';

let harness: ApiHarness;
let server: Listening;
let base: string;
let port: number;
let png: Buffer;

const REQUEST_TIMEOUT_MS = 3000;
const HEADERS_TIMEOUT_MS = 1000;

beforeAll(async () => {
  harness = await startApiHarness({
    REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
    MAX_UPLOAD_BYTES: String(1024 * 1024),
  });
  server = await listen(harness.idleApp, harness.idleAppConfig);
  ({ base, port } = server);
  png = await renderText({ lines: ['Hostile inputs'] });
});
afterAll(async () => {
  await server?.close();
  await harness?.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `head` (and `body`) on a raw socket and reads what comes back until the server closes it. */
async function raw(head: string, body: Buffer | string = ''): Promise<RawAnswer> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  socket.write(head);
  if (body.length) socket.write(body);
  await once(socket, 'close');
  return parseAnswer(received);
}

function parseAnswer(text: string): RawAnswer {
  const [head = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await res.json()) as { status: number; code: string; detail: string; errors?: Array<{ field: string; message: string }> };
}

function multipart(boundary: string, parts: string): Promise<Response> {
  return fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
    body: parts,
  });
}

describe('broken multipart bodies', () => {
  test('when the closing boundary is missing, then 400 MALFORMED_REQUEST', async () => {
    const res = await multipart(
      'xyz',
      '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nnot all here',
    );

    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ code: 'MALFORMED_REQUEST', detail: expect.stringMatching(/multipart/) });
  });

  test('when the content type has no boundary parameter, then 400 MALFORMED_REQUEST', async () => {
    const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'multipart/form-data' }, body: 'anything' });

    expect(res.status).toBe(400);
    expect(await problem(res)).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });

  test('when there are too many form fields, then 400 names the form, not the file', async () => {
    const form = new FormData();
    for (let i = 0; i < 25; i++) form.append(`field${i}`, 'x');
    form.append('file', new Blob([png], { type: 'image/png' }), 'page.png');

    const res = await fetch(`${base}/jobs`, { method: 'POST', body: form });

    expect(res.status).toBe(400);
    expect((await problem(res)).errors).toEqual([{ field: 'form', message: 'at most 20 form fields besides "file"' }]);
  });
});

describe('sizes', () => {
  test('when a request declares a body over the limit, then 413 comes before any of it is sent, naming the limit', async () => {
    const answer = await raw(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 99999999999\r\n\r\n`,
    );

    expect(answer.status).toBe(413);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', detail: expect.stringContaining('1048576 bytes (MAX_UPLOAD_BYTES)') });
  });

  test('when a multipart request declares more than the document limit and its fields, then 413 before reading', async () => {
    const answer = await raw(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 99999999999\r\n\r\n`,
    );

    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  test('when the headers are larger than 16 KiB, then 431 with a problem document', async () => {
    const res = await fetch(`${base}/jobs`, { headers: { 'X-Padding': 'x'.repeat(20_000) } });

    expect(res.status).toBe(431);
    expect(await problem(res)).toMatchObject({ code: 'HEADERS_TOO_LARGE' });
  });

  test('when the URL is longer than 8 KiB, then 414 with a problem document', async () => {
    const res = await fetch(`${base}/jobs?cursor=${'x'.repeat(9000)}`);

    expect(res.status).toBe(414);
    expect(await problem(res)).toMatchObject({ code: 'URI_TOO_LONG' });
  });
});

describe('slow clients', () => {
  test('when many clients send their headers slowly, then each gets 408 and is closed, and others are still served', async () => {
    const slow = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const socket = net.connect(port, '127.0.0.1');
        await once(socket, 'connect');
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
        return { socket, received: () => received };
      }),
    );

    const meanwhile = await fetch(`${base}/healthz`);
    await Promise.all(slow.map(({ socket }) => once(socket, 'close')));

    expect(meanwhile.status).toBe(200);
    for (const { received } of slow) {
      const answer = parseAnswer(received());
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'REQUEST_TIMEOUT', detail: expect.stringContaining('HEADERS_TIMEOUT_MS') });
    }
  });

  test('when a body stalls part way, then 408 once the request time is up, and the connection is closed', async () => {
    const answer = await raw(
      `POST /jobs HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n`,
      png.subarray(0, 100),
    );

    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });

  test('when the request line is not HTTP, then 400 with a problem document', async () => {
    const answer = await raw('HELLO THERE\r\n\r\n');

    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'MALFORMED_REQUEST' });
  });
});

describe('paths and methods', () => {
  test.each(['PUT', 'DELETE', 'PATCH'])('when %s /jobs is sent, then 405 with Allow', async (method) => {
    const res = await fetch(`${base}/jobs`, { method });

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
    expect(await problem(res)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  test('when POST goes to a job, then 405 with Allow: GET, DELETE', async () => {
    const res = await fetch(`${base}/jobs/00000000-0000-4000-8000-000000000000`, { method: 'POST' });

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, DELETE, HEAD, OPTIONS');
  });

  test('when OPTIONS asks about /jobs, then 204 with Allow', async () => {
    const res = await fetch(`${base}/jobs`, { method: 'OPTIONS' });

    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
  });

  test('when a job is read with its id in upper case, then it is found, under its canonical id', async () => {
    const submitted = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png });
    const { jobId } = (await submitted.json()) as { jobId: string };

    const res = await fetch(`${base}/jobs/${jobId.toUpperCase()}`);

    expect(res.status).toBe(200);
    expect(((await res.json()) as { jobId: string }).jobId).toBe(jobId);
  });

  test('when a job id segment is broken percent-encoding, then 400 MALFORMED_REQUEST, not a body error', async () => {
    const res = await fetch(`${base}/jobs/%E0%A4%A`);

    expect(res.status).toBe(400);
    const body = await problem(res);
    expect(body).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(body.errors).toBeUndefined();
  });
});

describe('options and bodies', () => {
  test('when languages=eng+fra is in a query string, then the plus (arriving as a space) separates languages', async () => {
    const res = await fetch(`${base}/jobs?languages=eng+fra`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: png });

    expect(res.status).toBe(202);
  });

  test('when the JSON body is null, then 400 says a JSON object is expected', async () => {
    const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'null' });

    expect(res.status).toBe(400);
    expect((await problem(res)).errors).toEqual([{ field: 'body', message: expect.stringContaining('send a JSON object') }]);
  });

  test('when sourceUrl is 10 000 characters long, then 400 says the length limit', async () => {
    const sourceUrl = `https://example.com/${'a'.repeat(10_000)}`;

    const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sourceUrl }) });

    expect(res.status).toBe(400);
    expect((await problem(res)).errors).toEqual([{ field: 'body.sourceUrl', message: 'at most 2048 characters' }]);
  });
});
