import { ConfigError, exposureProblem, loadConfig } from '../src/config';

describe('loadConfig', () => {
  test('when nothing is set, then local defaults apply and npm start embeds a dev server', () => {
    const config = loadConfig({});

    expect(config.port).toBe(3000);
    expect(config.temporal).toMatchObject({ address: 'localhost:7233', embedded: true, namespace: 'default', taskQueue: 'ocr-jobs' });
    expect(config.ocr.poolSize).toBeGreaterThan(0);
    expect(Object.isFrozen(config.temporal)).toBe(true);
  });

  test('when TEMPORAL_ADDRESS is set, then that server is used and none is embedded', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).temporal).toMatchObject({
      address: 'temporal:7233',
      embedded: false,
    });
  });

  test('when a variable is empty, then it counts as unset', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '', PORT: '' })).toMatchObject({ port: 3000, temporal: { embedded: true } });
  });

  test('when variables are invalid, then one error names each of them', () => {
    const load = () => loadConfig({ PORT: 'abc', OCR_POOL_SIZE: '0' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT[\s\S]*OCR_POOL_SIZE|OCR_POOL_SIZE[\s\S]*PORT/);
  });

  test('when no OTLP endpoint is set, then nothing is exported; when one is, then traces go there in the protocol asked for', () => {
    expect(loadConfig({}).tracing).toEqual({ exporting: false, protocol: 'http/protobuf' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toEqual({
      exporting: true,
      protocol: 'http/json',
    });
    // The traces' own variables win over the general ones, as OpenTelemetry specifies.
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).tracing,
    ).toEqual({ exporting: true, protocol: 'http/protobuf' });
  });

  test('when the OTLP protocol is one not shipped (gRPC) or the endpoint is not a URL, then the configuration is refused naming the variable', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger 4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  test('when Temporal wants TLS, then a client certificate without its key, or a file that cannot be read, is refused naming the variable', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

    expect(() => loadConfig({ TEMPORAL_TLS_CERT: pem })).toThrow(/TEMPORAL_TLS_KEY.*together/);
    expect(() => loadConfig({ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' })).toThrow(/TEMPORAL_TLS_CA.*neither PEM text nor a readable file/);
    expect(loadConfig({ TEMPORAL_TLS_CA: pem, TEMPORAL_API_KEY: 'k' }).temporal).toMatchObject({ tls: { ca: pem }, apiKey: 'k' });
    expect(loadConfig({}).temporal).toMatchObject({ tls: null, apiKey: undefined });
  });

  test('when nothing is set, then blobs are files under DATA_DIR, results are streamed, and jobs are kept 7 days', () => {
    const config = loadConfig({});

    expect(config.blobStore).toEqual({ kind: 'file' });
    expect(config.results).toEqual({ redirect: 'off', redirectExpiresSeconds: 900 });
    expect(config.retention).toEqual({ days: 7 });
  });

  test('when BLOB_STORE=s3, then the bucket, endpoint, region and addressing come from S3_* (region from AWS_REGION when unset)', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const s3 = { BLOB_STORE: 's3', S3_BUCKET: 'ocr-jobs', WEBHOOK_SECRET: secret };

    expect(loadConfig({ ...s3, S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true', S3_REGION: 'eu-west-1', RESULT_REDIRECT: 'presigned' })).toMatchObject({
      blobStore: { kind: 's3', s3: { bucket: 'ocr-jobs', endpoint: 'http://minio:9000', forcePathStyle: true, region: 'eu-west-1' } },
      results: { redirect: 'presigned' },
    });
    expect(loadConfig({ ...s3, AWS_REGION: 'ap-south-1' }).blobStore).toEqual({
      kind: 's3',
      s3: { bucket: 'ocr-jobs', endpoint: undefined, forcePathStyle: false, region: 'ap-south-1' },
    });
  });

  test('when S3 settings are missing or wrong, then the configuration is refused naming the variable and what to do', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

    expect(() => loadConfig({ BLOB_STORE: 's3', WEBHOOK_SECRET: secret })).toThrow(/S3_BUCKET: BLOB_STORE=s3 needs the bucket/);
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'ocr-jobs' })).toThrow(/WEBHOOK_SECRET: with BLOB_STORE=s3/);
    expect(() => loadConfig({ BLOB_STORE: 's3', S3_BUCKET: 'Not_A_Bucket', WEBHOOK_SECRET: secret })).toThrow(/S3_BUCKET: an S3 bucket name/);
    expect(() => loadConfig({ BLOB_STORE: 'nfs' })).toThrow(/BLOB_STORE/);
    expect(() => loadConfig({ RESULT_REDIRECT: 'presigned' })).toThrow(/RESULT_REDIRECT: presigned URLs need an S3 blob store/);
    expect(() => loadConfig({ S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/S3_FORCE_PATH_STYLE/);
    expect(() => loadConfig({ RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS/);
    expect(loadConfig({ RETENTION_DAYS: '0.5' }).retention).toEqual({ days: 0.5 });
  });

  test('when nothing says otherwise, then the API binds loopback only and runs open there', () => {
    const config = loadConfig({});

    expect(config.host).toBe('127.0.0.1');
    expect(exposureProblem(config)).toBeNull();
    for (const host of ['localhost', '127.0.0.2', '::1']) expect(exposureProblem(loadConfig({ HOST: host }))).toBeNull();
  });

  test('when the API binds beyond loopback, then it needs a tenants file, an identity provider, or AUTH=none', () => {
    expect(exposureProblem(loadConfig({ HOST: '0.0.0.0' }))).toMatch(/HOST=0\.0\.0\.0 .*TENANTS_FILE.*AUTH=none/);
    expect(exposureProblem(loadConfig({ HOST: '0.0.0.0', TENANTS_FILE: 'tenants.yaml' }))).toBeNull();
    expect(exposureProblem(loadConfig({ HOST: '10.0.0.5', AUTH_JWKS_URL: 'https://idp.example/jwks.json' }))).toBeNull();
    expect(exposureProblem(loadConfig({ HOST: '0.0.0.0', AUTH: 'none' }))).toBeNull();
  });

  test('when AUTH=none is set beside a tenants file, or AUTH has another value, then the configuration is refused', () => {
    expect(() => loadConfig({ AUTH: 'none', TENANTS_FILE: 'tenants.yaml' })).toThrow(/AUTH: AUTH=none turns authentication off/);
    expect(() => loadConfig({ AUTH: 'off' })).toThrow(ConfigError);
  });
});
