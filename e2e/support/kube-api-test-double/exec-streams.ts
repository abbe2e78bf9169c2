import type { Server } from 'node:http';
import { WebSocketServer } from 'ws';
import type { Store } from './object-store.ts';
import { typeOfKind } from './resource-types.ts';

export interface ExecRequest {
  namespace: string;
  pod: string;
  container: string;
  command: string[];
}
export type ExecHandler = (request: ExecRequest) => { exitCode: number; output: string } | Promise<{ exitCode: number; output: string }>;

const NO_HANDLER: ExecHandler = () => ({ exitCode: 126, output: 'the Kubernetes API test double has no exec handler for this test' });

/**
 * `kubectl exec` / client-node Exec on the double's pods: WebSocket upgrades speaking v4.channel.k8s.io
 * (byte 1 = stdout, 3 = the final Status), answered by the test's handler.
 */
export class ExecStreams {
  handler: ExecHandler = NO_HANDLER;
  readonly #sockets = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false) });

  constructor(server: Server, store: Store, requestLog: string[]) {
    server.on('upgrade', (request, socket, head) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      requestLog.push(`UPGRADE ${url.pathname}${url.search}`);
      const match = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/);
      const pod = match ? store.get(typeOfKind('Pod', 'v1'), decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? '')) : undefined;
      if (!match || !pod) {
        socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      this.#sockets.handleUpgrade(request, socket, head, (ws) => {
        const exec: ExecRequest = { namespace: pod.metadata.namespace ?? 'default', pod: pod.metadata.name, container: url.searchParams.get('container') ?? '', command: url.searchParams.getAll('command') };
        void Promise.resolve(this.handler(exec)).then(({ exitCode, output }) => {
          if (output) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(output)]));
          ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(exitStatus(exitCode)))]));
          ws.close();
        });
      });
    });
  }

  /** Ends every exec stream and stops accepting new ones. */
  close(): void {
    for (const client of this.#sockets.clients) client.terminate();
    this.#sockets.close();
  }
}

function exitStatus(exitCode: number): Record<string, unknown> {
  return exitCode === 0
    ? { metadata: {}, status: 'Success' }
    : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } };
}
