import type { Logger } from 'pino';

/**
 * Runs `attempt` (connect, or set-up against the server) until it succeeds, retrying with
 * capped exponential backoff and full jitter while the server is not there yet
 * (containers start in any order).
 */
export async function retryUntilReachable<T>(
  attempt: () => Promise<T>,
  logger: Logger,
  {
    maxDelayMs = 5000,
    giveUpAfterMs = 5 * 60_000,
    /** Errors that waiting cannot mend (the server answered, and said no). */
    final = (_err: unknown): boolean => false,
    /** The server waited for, as the log names it. */
    what = 'Temporal',
  }: { maxDelayMs?: number; giveUpAfterMs?: number; final?: (err: unknown) => boolean; what?: string } = {},
): Promise<T> {
  const started = Date.now();
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (err) {
      if (final(err) || Date.now() - started > giveUpAfterMs) throw err;
      const delay = Math.random() * Math.min(maxDelayMs, 250 * 2 ** tries);
      logger.warn({ err: (err as Error).message, tries }, `${what} not reachable yet, retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
