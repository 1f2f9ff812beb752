import { requestFingerprint, sha256 } from '../../src/api/fingerprint';
import type { JobOptions } from '../../src/shared/schemas';

const options = (metadata: Record<string, string>): JobOptions => ({ languages: ['eng'], outputs: ['text', 'json'], metadata });

describe('requestFingerprint', () => {
  test('when options are hashed, then their keys are in code-point order (RFC 8785), not in the order of a locale', () => {
    const fingerprint = requestFingerprint('doc', options({ b: '1', B: '2', a: '3', _: '4', é: '5' }));

    const canonical = '{"languages":["eng"],"metadata":{"B":"2","_":"4","a":"3","b":"1","é":"5"},"outputs":["text","json"]}';
    expect(fingerprint).toBe(`doc.${sha256(canonical)}`);
  });

  test('when the same options come in another key order, then the fingerprints agree', () => {
    expect(requestFingerprint('doc', options({ x: '1', Y: '2' }))).toBe(requestFingerprint('doc', options({ Y: '2', x: '1' })));
  });
});
