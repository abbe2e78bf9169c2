import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshHttpGet } from './live-world.ts';

// The HTTP check must see what a new visitor sees: every request on a connection of its own, so a NodePort
// whose Service changed is judged on the new rules, not over a connection kube-proxy NATed before.
describe('HTTP checks', () => {
  const sockets = new Set<unknown>();
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((request, response) => response.end(`hello from ${request.url}`));
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('opens a new connection for every request and reads status and body', async () => {
    const first = await freshHttpGet(`http://127.0.0.1:${port}/a`, 2000);
    const second = await freshHttpGet(`http://127.0.0.1:${port}/b`, 2000);
    expect(first).toEqual({ status: 200, body: 'hello from /a' });
    expect(second.body).toBe('hello from /b');
    expect(sockets.size).toBe(2);
  });

  it('gives up after its time limit', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    await expect(freshHttpGet(`http://127.0.0.1:${silentPort}/`, 200)).rejects.toThrow(/within 200 ms/);
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});
