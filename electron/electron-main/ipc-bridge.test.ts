import { EventEmitter } from 'node:events';
import type { IpcMain } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { bridgeChannels, type WireOutcome } from '../common/api/bridge.ts';
import type { CallContext } from '../common/api/contract.ts';
import { IpcBridge, clientIdFor, type BridgeTarget, type CallEventLike } from './ipc-bridge.ts';

class FakeWebContents extends EventEmitter implements BridgeTarget {
  readonly sent: unknown[][] = [];
  destroyed = false;
  url = 'labdeck://app/index.html';
  constructor(readonly id: number) {
    super();
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.url;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

type Listener = (name: string, payload: unknown, clientId?: string) => void;

function setup() {
  const listeners = new Set<Listener>();
  const events = {
    subscribe: (listener: Listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit: (name: string, payload: unknown, clientId?: string) => listeners.forEach((listener) => listener(name, payload, clientId)),
  };
  const dispatch = vi.fn(async (name: unknown, _input: unknown, context: CallContext): Promise<WireOutcome> => ({ ok: true, value: { name, clientId: context.clientId } }));
  const log = vi.fn();
  const bridge = new IpcBridge({ dispatcher: { dispatch }, events, log });
  const handlers = new Map<string, (event: CallEventLike, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain = {
    handle: (channel: string, handler: (event: CallEventLike, ...args: unknown[]) => Promise<unknown>) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  };
  const uninstall = bridge.install(ipcMain as unknown as IpcMain);
  return { bridge, events, dispatch, log, handlers, uninstall, listeners };
}

const topFrame = (url = 'labdeck://app/index.html') => ({ url, parent: null });

describe('IpcBridge calls', () => {
  it('registers the call channel and dispatches with clientId wc-<webContents id>', async () => {
    const { bridge, handlers, dispatch } = setup();
    const window = new FakeWebContents(7);
    bridge.attach(window);
    const handler = handlers.get(bridgeChannels.call)!;
    const outcome = await handler({ sender: window, senderFrame: topFrame() }, 'app.info', { x: 1 });
    expect(outcome).toEqual({ ok: true, value: { name: 'app.info', clientId: 'wc-7' } });
    expect(dispatch).toHaveBeenCalledExactlyOnceWith('app.info', { x: 1 }, { clientId: 'wc-7' });
  });

  it.each([
    ['a foreign origin', topFrame('https://evil.example/')],
    ['a javascript: URL', topFrame('javascript:alert(1)')],
    ['a file: page', topFrame('file:///tmp/index.html')],
    ['another labdeck host', topFrame('labdeck://evil/index.html')],
    ['a sub-frame of the app', { url: 'labdeck://app/index.html', parent: { url: 'labdeck://app/index.html' } }],
    ['a frame that is gone', null],
  ])('refuses calls from %s without dispatching', async (_label, senderFrame) => {
    const { bridge, dispatch, log } = setup();
    const window = new FakeWebContents(3);
    bridge.attach(window);
    const outcome = await bridge.handleCall({ sender: window, senderFrame }, 'app.info', {});
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(dispatch).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalled();
  });

  it('refuses calls from web contents that are not Labdeck windows, and from closed ones', async () => {
    const { bridge, dispatch } = setup();
    const stranger = new FakeWebContents(99);
    expect(await bridge.handleCall({ sender: stranger, senderFrame: topFrame() }, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const window = new FakeWebContents(4);
    bridge.attach(window);
    window.destroy();
    expect(await bridge.handleCall({ sender: window, senderFrame: topFrame() }, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(dispatch).not.toHaveBeenCalled();
  });

  it('treats a throwing senderFrame getter as a gone frame', async () => {
    const { bridge, dispatch } = setup();
    const window = new FakeWebContents(5);
    bridge.attach(window);
    const event = {
      sender: window,
      get senderFrame(): never {
        throw new Error('Render frame was disposed before WebFrameMain could be accessed');
      },
    };
    expect(await bridge.handleCall(event, 'app.info', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(dispatch).not.toHaveBeenCalled();
  });
});

describe('IpcBridge events', () => {
  it('broadcasts events without clientId to every live window', () => {
    const { bridge, events } = setup();
    const a = new FakeWebContents(1);
    const b = new FakeWebContents(2);
    bridge.attach(a);
    bridge.attach(b);
    events.emit('env.status', { phase: 'ready' });
    expect(a.sent).toEqual([[bridgeChannels.event, 'env.status', { phase: 'ready' }]]);
    expect(b.sent).toEqual([[bridgeChannels.event, 'env.status', { phase: 'ready' }]]);
  });

  it('sends events with a clientId only to that window', () => {
    const { bridge, events } = setup();
    const a = new FakeWebContents(1);
    const b = new FakeWebContents(2);
    bridge.attach(a);
    bridge.attach(b);
    events.emit('terminal.data', { id: 't1', data: 'aGk=', seq: 1 }, clientIdFor(2));
    expect(a.sent).toEqual([]);
    expect(b.sent).toEqual([[bridgeChannels.event, 'terminal.data', { id: 't1', data: 'aGk=', seq: 1 }]]);
    events.emit('terminal.data', { id: 't9' }, 'wc-12345');
    events.emit('terminal.data', { id: 't9' }, 'browser-client-1');
    expect(a.sent).toEqual([]);
    expect(b.sent).toHaveLength(1);
  });

  it('stops sending to a window once it is destroyed and forgets it', () => {
    const { bridge, events } = setup();
    const a = new FakeWebContents(1);
    const b = new FakeWebContents(2);
    bridge.attach(a);
    bridge.attach(b);
    a.destroy();
    expect(bridge.clientCount).toBe(1);
    events.emit('env.status', {});
    expect(a.sent).toEqual([]);
    expect(b.sent).toHaveLength(1);
  });

  it('skips (and drops) a window that reports destroyed before its destroyed event arrived', () => {
    const { bridge, events } = setup();
    const a = new FakeWebContents(1);
    bridge.attach(a);
    a.destroyed = true;
    events.emit('env.status', {});
    expect(a.sent).toEqual([]);
    expect(bridge.clientCount).toBe(0);
  });

  it('does not send backend data to a window that is not showing the app', () => {
    const { bridge, events } = setup();
    const a = new FakeWebContents(1);
    bridge.attach(a);
    a.url = 'https://evil.example/';
    events.emit('env.status', { secret: true });
    expect(a.sent).toEqual([]);
  });

  it('explicit detach works and uninstall removes the handler and the subscription', () => {
    const { bridge, events, handlers, uninstall, listeners } = setup();
    const a = new FakeWebContents(1);
    const detach = bridge.attach(a);
    detach();
    events.emit('env.status', {});
    expect(a.sent).toEqual([]);
    bridge.attach(a);
    uninstall();
    expect(handlers.has(bridgeChannels.call)).toBe(false);
    expect(listeners.size).toBe(0);
    expect(bridge.clientCount).toBe(0);
  });
});
