import net from 'node:net';

/** True when nothing on this machine listens on host:port. */
export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS reports free right now. */
export function anyFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The preferred port when free, otherwise any free one (shown in the UI as the fallback it is). */
export async function choosePort(preferred: number, host: string, taken: ReadonlySet<number> = new Set()): Promise<number> {
  if (!taken.has(preferred) && (await portIsFree(preferred, host))) return preferred;
  for (;;) {
    const port = await anyFreePort(host);
    if (!taken.has(port)) return port;
  }
}
