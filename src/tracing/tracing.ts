import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, hostDetectorSync, processDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Config } from '../config';

export interface Tracing {
  /** Where finished spans go: batched to the OTLP endpoint, or nowhere. */
  readonly spanProcessor: SpanProcessor;
  /** What the spans say of their process (service name, host, pid, OTEL_RESOURCE_ATTRIBUTES). */
  readonly resource: Resource;
  /** Sends the spans still batched and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK for this process, configured by the standard variables
 * only (OTEL_EXPORTER_OTLP_ENDPOINT and _PROTOCOL, OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*). Spans are always made, so logs and clients get trace
 * ids; they are exported only when an endpoint is set. `service` names the process when
 * OTEL_SERVICE_NAME does not.
 */
export function startTracing(service: string, settings: Config['tracing']): Tracing {
  const detected = detectResourcesSync({ detectors: [envDetectorSync, processDetectorSync, hostDetectorSync] });
  // The detected attributes win: OTEL_SERVICE_NAME replaces the default name.
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: service })).merge(detected);
  const spanProcessor = settings.exporting
    ? new BatchSpanProcessor(settings.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtobufExporter())
    : new NoopSpanProcessor();
  const sdk = new NodeSDK({ resource, autoDetectResources: false, spanProcessors: [spanProcessor], instrumentations: [] });
  sdk.start();
  return { spanProcessor, resource, shutdown: () => sdk.shutdown() };
}
