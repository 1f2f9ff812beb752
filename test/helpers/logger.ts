import pino from 'pino';

/** Logs of the code under test: silent unless TEST_LOG_LEVEL asks for them. */
export const testLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
