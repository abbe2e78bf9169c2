import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload, EventSink } from '../../common/api/contract.ts';
import type { EnvStatus } from '../../common/api/env.ts';
import { EngineWatch, type EngineWatchDocker } from './engine-watch.ts';
import { EnvironmentService } from './environment-service.ts';

/** A Docker engine that can be stopped and started: stopping ends its event streams, pings fail meanwhile. */
class FakeEngine implements EngineWatchDocker {
  running = true;
  pings = 0;
  streams: PassThrough[] = [];

  async ping(): Promise<unknown> {
    this.pings++;
    if (!this.running) throw Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    return 'OK';
  }
  async getEvents(): Promise<NodeJS.ReadableStream> {
    if (!this.running) throw new Error('connect ENOENT /var/run/docker.sock');
    const stream = new PassThrough();
    this.streams.push(stream);
    return stream;
  }
  async listContainers(): Promise<unknown[]> {
    if (!this.running) throw new Error('connect ENOENT /var/run/docker.sock');
    return [];
  }
  stop(): void {
    this.running = false;
    for (const stream of this.streams.splice(0)) stream.end();
  }
}

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('EngineWatch', () => {
  let watch: EngineWatch | undefined;
  afterEach(() => watch?.dispose());

  it('notices at once when the engine stops, pings with backoff while it is away, and notices it coming back', async () => {
    const engine = new FakeEngine();
    const changes: boolean[] = [];
    const events: unknown[] = [];
    watch = new EngineWatch(engine, { filters: {}, onChange: (up) => changes.push(up), onEvent: (event) => events.push(event), retryDelaysMs: [10, 20, 40] });
    watch.start();
    await until(() => changes.length === 1, 'the first state');
    expect(changes).toEqual([true]);
    engine.streams[0]!.write('{"status":"start"}\n{"status":');
    engine.streams[0]!.write('"die"}\n');
    await until(() => events.length === 2, 'two events');
    expect(events).toEqual([{ status: 'start' }, { status: 'die' }]);

    // While the engine is there, nothing polls it: one ping at start, then only the idle stream.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(engine.pings).toBe(1);

    engine.stop();
    await until(() => changes.length === 2, 'the engine going away');
    expect(changes).toEqual([true, false]);
    await until(() => engine.pings >= 4, 'a few pings');
    engine.running = true;
    await until(() => changes.length === 3, 'the engine coming back');
    expect(changes).toEqual([true, false, true]);
    expect(engine.streams).toHaveLength(1);
  });
});

describe('EnvironmentService with a Docker engine that stops', () => {
  it('tells every window that Docker does not answer, and sends a fresh status once it is back', async () => {
    const engine = new FakeEngine();
    const statuses: EnvStatus[] = [];
    const events: EventSink = {
      emit<K extends EventName>(name: K, payload: EventPayload<K>) {
        if (name === 'env.status') statuses.push(payload as EnvStatus);
      },
    };
    const service = new EnvironmentService({ events, dataDir: '/nonexistent-labdeck-test', docker: engine as never });
    try {
      service.watchEngine();
      await until(() => statuses.length === 1, 'the first status');
      expect(statuses[0]!.state).toBe('absent');
      engine.stop();
      await until(() => statuses.length === 2, 'the status after Docker stopped');
      expect(statuses[1]).toMatchObject({ state: 'error', message: expect.stringContaining('Docker does not answer') });
      engine.running = true;
      await until(() => statuses.length === 3, 'the status after Docker came back');
      expect(statuses[2]!.state).toBe('absent');
    } finally {
      await service.dispose();
    }
  });
});
