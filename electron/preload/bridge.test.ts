import { describe, expect, it } from 'vitest';
import { bridgeChannels } from '../common/api/bridge.ts';
import { callNames, eventNames } from '../common/api/contract.ts';
import { createBridge, type IpcRendererLike } from './bridge.ts';

type Listener = (event: unknown, ...args: unknown[]) => void;

/** A stand-in for ipcRenderer that records invokes and lets the test emit messages from "main". */
function fakeIpc(answer: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: 'pong' })) {
  const invokes: unknown[][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke(channel, ...args) {
      invokes.push([channel, ...args]);
      return answer(channel, ...args);
    },
    on(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const ipcEvent = { sender: { secret: 'ipcRenderer' }, senderId: 0 };
  return {
    ipc,
    invokes,
    count: (channel: string) => listeners.get(channel)?.size ?? 0,
    emit(channel: string, ...args: unknown[]) {
      for (const listener of listeners.get(channel) ?? []) listener(ipcEvent, ...args);
    },
  };
}

const aCall = callNames[0]!;
const anEvent = eventNames[0]!;

describe('createBridge().call', () => {
  it('invokes the one call channel with the name and input and returns main\'s outcome', async () => {
    const fake = fakeIpc();
    const outcome = await createBridge(fake.ipc).call(aCall, { some: 'input' });
    expect(fake.invokes).toEqual([[bridgeChannels.call, aCall, { some: 'input' }]]);
    expect(outcome).toEqual({ ok: true, value: 'pong' });
  });

  it('passes error outcomes through unchanged', async () => {
    const error = { name: 'LabdeckError', code: 'not-found', message: 'no such lab', action: 'pick another' };
    const fake = fakeIpc(async () => ({ ok: false, error }));
    expect(await createBridge(fake.ipc).call(aCall, {})).toEqual({ ok: false, error });
  });

  it.each(['', 'constructor', '__proto__', 'hasOwnProperty', 'terminal.*', 'app.info ', 'shell.openExternal'])(
    'answers unknown-call for %j without touching IPC',
    async (name) => {
      const fake = fakeIpc();
      const outcome = await createBridge(fake.ipc).call(name, {});
      expect(fake.invokes).toEqual([]);
      expect(outcome).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    },
  );

  it('refuses non-string names coming from page script', async () => {
    const fake = fakeIpc();
    const call = createBridge(fake.ipc).call as (name: unknown, input: unknown) => Promise<unknown>;
    for (const name of [undefined, null, 42, { toString: () => aCall }, [aCall]]) {
      expect(await call(name, {})).toMatchObject({ ok: false, error: { code: 'unknown-call' } });
    }
    expect(fake.invokes).toEqual([]);
  });

  it('turns a rejected invoke into an internal error outcome instead of a thrown IPC error', async () => {
    const fake = fakeIpc(async () => {
      throw new Error("No handler registered for 'labdeck:call'");
    });
    const outcome = await createBridge(fake.ipc).call(aCall, {});
    expect(outcome).toMatchObject({ ok: false, error: { code: 'internal', message: expect.stringContaining('No handler registered') } });
  });

  it('flags answers that are not outcomes', async () => {
    for (const answer of [undefined, 'ok', { ok: 'yes' }, { ok: true }, { ok: false }]) {
      const fake = fakeIpc(async () => answer);
      expect(await createBridge(fake.ipc).call(aCall, {})).toMatchObject({ ok: false, error: { code: 'invalid-response' } });
    }
  });
});

describe('createBridge().onEvent', () => {
  it('forwards contract events as (name, payload) without the IpcRendererEvent', () => {
    const fake = fakeIpc();
    const seen: unknown[][] = [];
    createBridge(fake.ipc).onEvent((...args) => seen.push(args));
    fake.emit(bridgeChannels.event, anEvent, { n: 1 });
    expect(seen).toEqual([[anEvent, { n: 1 }]]);
  });

  it('drops names outside the contract and ignores other channels', () => {
    const fake = fakeIpc();
    const seen: unknown[][] = [];
    createBridge(fake.ipc).onEvent((...args) => seen.push(args));
    fake.emit(bridgeChannels.event, 'not.an.event', {});
    fake.emit(bridgeChannels.event, '__proto__', {});
    fake.emit(bridgeChannels.event, 7, {});
    fake.emit('some:other-channel', anEvent, {});
    expect(seen).toEqual([]);
  });

  it('registers exactly one ipc listener per subscription and removes it on unsubscribe (idempotently)', () => {
    const fake = fakeIpc();
    const bridge = createBridge(fake.ipc);
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    const offA = bridge.onEvent((name) => seenA.push(name));
    const offB = bridge.onEvent((name) => seenB.push(name));
    expect(fake.count(bridgeChannels.event)).toBe(2);
    offA();
    offA();
    expect(fake.count(bridgeChannels.event)).toBe(1);
    fake.emit(bridgeChannels.event, anEvent, {});
    expect(seenA).toEqual([]);
    expect(seenB).toEqual([anEvent]);
    offB();
    expect(fake.count(bridgeChannels.event)).toBe(0);
  });

  it('rejects a non-function listener', () => {
    const bridge = createBridge(fakeIpc().ipc);
    expect(() => bridge.onEvent('alert(1)' as unknown as () => void)).toThrow(TypeError);
  });
});
