import net from 'node:net';

/** A port the service is about to listen on, and the setting that chose it. */
export interface PortUse {
  port: number;
  host: string;
  setting: string;
}

/** The uses whose port another process already listens on. */
export async function takenPorts(uses: readonly PortUse[]): Promise<PortUse[]> {
  const taken = await Promise.all(uses.map(isTaken));
  return uses.filter((_, i) => taken[i]);
}

function isTaken({ port, host }: PortUse): Promise<boolean> {
  if (port === 0) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(false)));
  });
}

/** What to tell someone whose port is taken. */
export function takenPortMessage({ port, setting }: PortUse): string {
  const advice =
    setting === 'TEMPORAL_DEV_PORT'
      ? `choose another with ${setting}, or set TEMPORAL_ADDRESS=localhost:${port} to use a Temporal server already running there`
      : `choose another with ${setting}`;
  return `port ${port} is already in use: ${advice}`;
}
