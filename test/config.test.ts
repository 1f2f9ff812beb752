import { ConfigError, loadConfig } from '../src/config';

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
});
