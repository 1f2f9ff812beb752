// A Temporal server as production runs it: reachable only over mutual TLS and with an API key.
// The dev server speaks plaintext gRPC, so a real HTTP/2 TLS gateway stands in front of it:
// it asks every client for a certificate signed by its CA, checks the `authorization` header
// of every call (answering UNAUTHENTICATED as Temporal Cloud does), and passes the rest on.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface Pem {
  cert: string;
  key: string;
}

function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } {
  // Node's own key generation: node-forge's, in JavaScript, takes seconds for 2048 bits.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), pem };
}

function certificate(subject: string, keys: ReturnType<typeof keyPair>, issuer: { name: string; key: forge.pki.rsa.PrivateKey } | null, extensions: object[]): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3_600_000);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  cert.setIssuer([{ name: 'commonName', value: issuer?.name ?? subject }]);
  cert.setExtensions(extensions);
  cert.sign(issuer?.key ?? keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A certificate authority that signs a server certificate for 127.0.0.1 and client certificates. */
export function certificateAuthority(name: string) {
  const keys = keyPair();
  const cert = certificate(name, keys, null, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  const issue = (subject: string, usage: 'serverAuth' | 'clientAuth'): Pem => {
    const own = keyPair();
    return {
      key: own.pem,
      cert: certificate(subject, own, { name, key: keys.privateKey }, [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', [usage]: true },
        ...(usage === 'serverAuth' ? [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] }] : []),
      ]),
    };
  };
  return { cert, server: () => issue('localhost', 'serverAuth'), client: (subject: string) => issue(subject, 'clientAuth') };
}

export interface TemporalGateway {
  /** host:port to give as TEMPORAL_ADDRESS. */
  address: string;
  /** Calls refused for a wrong or missing API key. */
  refused(): number;
  close(): Promise<void>;
}

/** Serves mutual TLS with `server` (clients must hold a certificate of `clientCa`) and passes calls bearing `apiKey` to `upstream`. */
export async function startTemporalGateway({ upstream, server, clientCa, apiKey }: { upstream: string; server: Pem; clientCa: string; apiKey: string }): Promise<TemporalGateway> {
  const origin = http2.connect(`http://${upstream}`);
  origin.on('error', () => undefined);
  let refused = 0;
  const gateway = http2.createSecureServer({ ...server, ca: clientCa, requestCert: true, rejectUnauthorized: true, allowHTTP1: false });
  const sessions = new Set<http2.ServerHttp2Session>();
  gateway.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  gateway.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers.authorization !== `Bearer ${apiKey}`) {
      refused += 1;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'Request unauthorized' }, { endStream: true });
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name !== ':scheme' && name !== ':authority' && name !== 'authorization' && value !== undefined) forwarded[name] = value;
    }
    const call = origin.request(forwarded);
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('close', () => {
      if (!call.closed) call.close(http2.constants.NGHTTP2_CANCEL);
    });
    let trailers: http2.OutgoingHttpHeaders = {};
    call.on('trailers', (received) => (trailers = { ...received }));
    call.on('response', (response) => {
      const answer = { ...response };
      // A call that failed at once answers with headers only (its status among them).
      if (answer['grpc-status'] !== undefined) {
        stream.respond(answer, { endStream: true });
        return;
      }
      stream.respond(answer, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      call.pipe(stream);
    });
    stream.pipe(call);
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(gateway.address() as AddressInfo).port}`,
    refused: () => refused,
    async close() {
      // Workers hold long polls open; closing means ending them.
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
      origin.close();
    },
  };
}
