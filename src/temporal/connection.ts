import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config';

/**
 * gRPC reconnects quickly after the server comes back: the default backoff grows to two
 * minutes, which would keep the API answering 503 long after Temporal is up again.
 */
const CHANNEL_ARGS = {
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 2000,
};

/**
 * The API's one Temporal client. The connection is lazy: the API starts (and answers 503)
 * while Temporal is unreachable, and connects as soon as it is there.
 */
export function createTemporalClient(config: Config): Client {
  const connection = Connection.lazy({
    ...temporalConnectionOptions(config),
    connectTimeout: '5 seconds',
    channelArgs: CHANNEL_ARGS,
  });
  // Starting a job (and every other call) is a span of the request's trace, handed on to the workflow.
  return new Client({ connection, namespace: config.temporal.namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
}

/** Runs a call against Temporal that gives up after `timeoutMs` instead of retrying on. */
export function withDeadline<T>(client: Client, timeoutMs: number, call: () => Promise<T>): Promise<T> {
  return client.connection.withDeadline(Date.now() + timeoutMs, call);
}

/**
 * Where and how the API and the worker reach Temporal: the address, TLS (mutual when a client
 * certificate is given), and an API key (which turns TLS on by itself).
 */
export function temporalConnectionOptions(config: Config): { address: string; tls?: TLSConfig; apiKey?: string } {
  const { address, tls, apiKey } = config.temporal;
  return {
    address,
    ...(tls
      ? {
          tls: {
            ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
            ...(tls.ca ? { serverRootCACertificate: Buffer.from(tls.ca) } : {}),
            ...(tls.cert && tls.key ? { clientCertPair: { crt: Buffer.from(tls.cert), key: Buffer.from(tls.key) } } : {}),
          },
        }
      : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}
