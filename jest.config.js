/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/helpers/setupEnv.ts'],
  // The SDK by its package name, as users import it.
  moduleNameMapper: { '^ocr-jobs/client$': '<rootDir>/src/client/index.ts' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Tests start real Temporal servers, workers and OCR engines.
  testTimeout: 120_000,
  // Fail on handles left open instead of hanging CI.
  forceExit: false,
  detectOpenHandles: false,
};
