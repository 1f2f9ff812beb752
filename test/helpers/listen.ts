import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createHttpServer } from '../../src/api/httpServer';
import type { Config } from '../../src/config';
import { testLogger } from './logger';

export interface Listening {
  /** `http://127.0.0.1:PORT` */
  base: string;
  port: number;
  close(): Promise<void>;
}

/** Serves `app` on a free loopback port with the API's own HTTP server, for clients that need a socket. */
export async function listen(app: Express, config: Config): Promise<Listening> {
  const server = createHttpServer(app, config, testLogger);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
