// An HTTP proxy in front of the API that can fail on command: answer a 503 instead of the
// API, lose the API's answer after the API acted on the request, cut open event streams, or
// act as a server without event streams. For clients' retry and resume paths, which a healthy
// server never exercises.
import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FlakyProxy {
  base: string;
  /** Every request that reached the proxy, in order. */
  seen: SeenRequest[];
  /** The next `count` requests matching `method` and a path prefix are answered 503 with `Retry-After`. */
  refuse(method: string, pathPrefix: string, count: number, retryAfterSeconds?: number): void;
  /** The next `count` matching requests reach the API, and then their connection is cut before the answer. */
  loseAnswers(method: string, pathPrefix: string, count: number): void;
  /** Cuts every event stream open now. */
  cutStreams(): void;
  /** Answers event-stream requests 404 like a server that has none. */
  withoutStreams: boolean;
  close(): Promise<void>;
}

interface Rule {
  method: string;
  pathPrefix: string;
  left: number;
  act: 'refuse' | 'lose';
  retryAfterSeconds: number;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const rules: Rule[] = [];
  const streams = new Set<Socket>();
  const sockets = new Set<Socket>();
  const proxy: FlakyProxy = {
    base: '',
    seen: [],
    withoutStreams: false,
    refuse: (method, pathPrefix, count, retryAfterSeconds = 1) => void rules.push({ method, pathPrefix, left: count, act: 'refuse', retryAfterSeconds }),
    loseAnswers: (method, pathPrefix, count) => void rules.push({ method, pathPrefix, left: count, act: 'lose', retryAfterSeconds: 0 }),
    cutStreams: () => {
      for (const socket of streams) socket.destroy();
      streams.clear();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    proxy.seen.push({ method: req.method ?? 'GET', url, headers: req.headers });
    const rule = rules.find((r) => r.left > 0 && r.method === req.method && url.startsWith(r.pathPrefix));
    if (rule) rule.left -= 1;
    const isStream = /^\/jobs\/[^/]+\/events/.test(url);
    if (rule?.act === 'refuse') {
      req.resume();
      res.writeHead(503, { 'Content-Type': 'application/problem+json', 'Retry-After': String(rule.retryAfterSeconds) });
      res.end(JSON.stringify({ type: '/docs/errors#OVERLOADED', title: 'Overloaded', status: 503, detail: 'the proxy refused this one', instance: url, code: 'OVERLOADED' }));
      return;
    }
    if (isStream && proxy.withoutStreams) {
      req.resume();
      res.writeHead(404, { 'Content-Type': 'application/problem+json' });
      res.end(JSON.stringify({ type: '/docs/errors#NOT_FOUND', title: 'Not found', status: 404, detail: `nothing at GET ${url}`, instance: url, code: 'NOT_FOUND' }));
      return;
    }
    const forwarded = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        if (rule?.act === 'lose') {
          // The API did the work; its answer never reaches the client.
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        if (isStream) {
          streams.add(req.socket);
          req.socket.once('close', () => streams.delete(req.socket));
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => req.socket.destroy());
    req.pipe(forwarded);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}
