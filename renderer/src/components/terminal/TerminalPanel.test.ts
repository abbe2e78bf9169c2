import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventName, EventPayload } from '../../../../electron/common/api/contract.ts';
import type { TerminalTarget } from '../../../../electron/common/api/terminal.ts';
import type { ConnectionState, WorkspaceApi } from '../../lib/workspace-api.ts';

// xterm needs a real canvas; the panel's own logic (tabs, routing, snippets) is what is tested here.
const created: FakeTab[] = [];
class FakeTab {
  sessionId: string | null = null;
  typed: string[] = [];
  received: unknown[] = [];
  exits: unknown[] = [];
  search = { clearDecorations: vi.fn(), findNext: vi.fn(() => true), findPrevious: vi.fn(() => true), onDidChangeResults: vi.fn() };
  terminal = { reset: vi.fn() };
  reattach = vi.fn(async () => undefined);
  constructor(
    readonly api: WorkspaceApi,
    readonly target: TerminalTarget,
    readonly callbacks: { onState(state: string, message?: string): void },
  ) {
    created.push(this);
  }
  mount() {}
  setAppearance() {}
  fit() {}
  focus() {}
  dispose() {}
  async start(existingId?: string) {
    try {
      const session = existingId ? { id: existingId } : await this.api.call('terminal.open', { target: this.target, cols: 80, rows: 24 });
      this.sessionId = session.id;
      this.callbacks.onState('running');
    } catch (error) {
      this.callbacks.onState('failed', (error as Error).message);
    }
  }
  type(data: string) {
    this.typed.push(data);
  }
  receive(event: unknown) {
    this.received.push(event);
  }
  exited(code: number | null) {
    this.exits.push(code);
  }
}
vi.mock('./terminal-tab.ts', () => ({ TerminalTab: FakeTab }));

const { default: TerminalPanel } = await import('./TerminalPanel.svelte');

function fakeApi(options: { failOpen?: boolean; existing?: { id: string; target: TerminalTarget }[] } = {}) {
  const listeners = new Map<string, ((payload: unknown) => void)[]>();
  const calls: { name: string; input: unknown }[] = [];
  let counter = 0;
  let connectionListener: (state: ConnectionState) => void = () => undefined;
  const api = {
    onConnection(listener: (state: ConnectionState) => void) {
      connectionListener = listener;
      return () => undefined;
    },
    async call(name: string, input: unknown) {
      calls.push({ name, input });
      if (name === 'terminal.list') return (options.existing ?? []).map((session) => ({ ...session, title: 'x', alive: true }));
      if (name === 'terminal.open') {
        if (options.failOpen) throw new Error('The jumphost is not running');
        return { id: `t${++counter}`, title: 'x', target: (input as { target: TerminalTarget }).target, alive: true };
      }
      return {};
    },
    on(name: string, listener: (payload: unknown) => void) {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
  } as unknown as WorkspaceApi;
  const emit = <K extends EventName>(name: K, payload: EventPayload<K>) => listeners.get(name)?.forEach((listener) => listener(payload));
  return { api, calls, emit, setConnection: (state: ConnectionState) => connectionListener(state) };
}

describe('TerminalPanel', () => {
  beforeAll(() => {
    globalThis.ResizeObserver ??= class {
      observe() {}
      unobserve() {}
      disconnect() {}
    } as unknown as typeof ResizeObserver;
  });
  afterEach(() => {
    created.length = 0;
  });

  it('offers the jumphost, every node and a host shell, and opens the jumphost first', async () => {
    const { api, calls } = fakeApi();
    render(TerminalPanel, { api, nodes: ['master1', 'worker1'], active: true });
    const tablist = screen.getByRole('tablist', { name: 'Terminals' });
    await waitFor(() => expect(calls.filter((call) => call.name === 'terminal.open').map((call) => call.input)).toEqual([{ target: { kind: 'jumphost' }, cols: 80, rows: 24 }]));
    expect([...tablist.querySelectorAll('[role=tab]')].map((tab) => tab.textContent?.replace(/\s+/g, ' ').trim())).toEqual([
      'jumphost — open',
      'master1',
      'worker1',
      'host shell',
    ]);
    expect(screen.getByRole('tab', { name: /^jumphost/ }).getAttribute('aria-selected')).toBe('true');
  });

  it('on the Start screen (deferred), loads no terminal until the attendee asks for one', async () => {
    const { api, calls } = fakeApi();
    const { rerender } = render(TerminalPanel, { api, nodes: ['worker1'], active: true, deferred: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing created means xterm's chunk was never imported (terminal-tab.ts is the only module importing it).
    expect(created).toHaveLength(0);
    expect(calls.some((call) => call.name === 'terminal.open')).toBe(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Open the jumphost terminal now' }));
    await waitFor(() => expect(created).toHaveLength(1));
    // Opening a lab (no longer deferred) keeps what is open and opens nothing twice.
    await rerender({ deferred: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(created).toHaveLength(1);
  });

  it('on the Start screen, takes back shells still running from before a reload', async () => {
    const { api, calls } = fakeApi({ existing: [{ id: 'told', target: { kind: 'jumphost' } }] });
    render(TerminalPanel, { api, nodes: [], active: true, deferred: true });
    await waitFor(() => expect(created[0]?.sessionId).toBe('told'));
    expect(calls.some((call) => call.name === 'terminal.open')).toBe(false);
  });

  it('opens the jumphost by itself once a lab is open (no longer deferred)', async () => {
    const { api } = fakeApi();
    const { rerender } = render(TerminalPanel, { api, nodes: [], active: true, deferred: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(created).toHaveLength(0);
    await rerender({ deferred: false });
    await waitFor(() => expect(created).toHaveLength(1));
  });

  it('with --kubeconfig and no jumphost, points to the host shell instead of starting an environment', async () => {
    const { api } = fakeApi({ failOpen: true });
    const panel = render(TerminalPanel, { api, nodes: [], active: true, externalCluster: true, environmentRunning: false });
    const notice = await screen.findByText(/there is no jumphost here/);
    expect(notice.textContent).toContain('host shell');
    expect(screen.queryByText(/opens by itself once the lab environment is running/)).toBeNull();
    expect(screen.getByRole('button', { name: 'Open the host shell' })).toBeTruthy();
    const result = await (panel.component as unknown as { runSnippet(command: string): Promise<{ ran: boolean; reason?: string }> }).runSnippet('kubectl get pods');
    expect(result).toEqual({ ran: false, reason: expect.stringContaining('host shell tab') });
    expect(result.reason).not.toMatch(/Start the lab environment/);
  });

  it('opens a node shell when its tab is chosen and routes output by session', async () => {
    const { api, calls, emit } = fakeApi();
    render(TerminalPanel, { api, nodes: ['worker1'], active: true });
    await waitFor(() => expect(created).toHaveLength(1));
    await fireEvent.click(screen.getByRole('tab', { name: /^worker1/ }));
    await waitFor(() => expect(calls.some((call) => call.name === 'terminal.open' && JSON.stringify(call.input).includes('worker1'))).toBe(true));
    await waitFor(() => expect(created[1]?.sessionId).toBe('t2'));
    const hi = new TextEncoder().encode('hi');
    emit('terminal.data', { id: 't2', data: hi, seq: 2 });
    emit('terminal.exit', { id: 't1', exitCode: 0 });
    expect(created[1]!.received).toEqual([{ id: 't2', data: hi, seq: 2 }]);
    expect(created[0]!.received).toEqual([]);
    expect(created[0]!.exits).toEqual([0]);
  });

  it('re-attaches to shells the backend kept from before a reload', async () => {
    const { api, calls } = fakeApi({ existing: [{ id: 'told', target: { kind: 'jumphost' } }] });
    render(TerminalPanel, { api, nodes: [], active: true });
    await waitFor(() => expect(created[0]?.sessionId).toBe('told'));
    expect(calls.some((call) => call.name === 'terminal.open')).toBe(false);
  });

  it('takes every shell back after the connection to the backend was lost and came back', async () => {
    const { api, setConnection } = fakeApi();
    render(TerminalPanel, { api, nodes: [], active: true });
    await waitFor(() => expect(created[0]?.sessionId).toBe('t1'));
    setConnection('open');
    expect(created[0]!.reattach).not.toHaveBeenCalled();
    setConnection('lost');
    setConnection('open');
    expect(created[0]!.reattach).toHaveBeenCalledOnce();
  });

  type Runner = { runSnippet(command: string, shell?: { node: string } | { host: true }): Promise<unknown> };

  it('types a snippet followed by Enter into the jumphost shell', async () => {
    const { api } = fakeApi();
    const panel = render(TerminalPanel, { api, nodes: [], active: false });
    expect(await (panel.component as unknown as Runner).runSnippet('kubectl get nodes\n')).toEqual({ ran: true, where: 'jumphost' });
    expect(created[0]!.typed).toEqual(['kubectl get nodes\r']);
  });

  it("runs a node's snippet in that node's shell", async () => {
    const { api } = fakeApi();
    const panel = render(TerminalPanel, { api, nodes: ['master1', 'worker1'], active: false, targetsUp: { jumphost: true, master1: true, worker1: true } });
    expect(await (panel.component as unknown as Runner).runSnippet('ip route', { node: 'worker1' })).toEqual({ ran: true, where: 'worker1' });
    const worker = created.find((tab) => tab.target.kind === 'node' && tab.target.node === 'worker1');
    expect(worker?.typed).toEqual(['ip route\r']);
    expect(screen.getByRole('tab', { name: /^worker1/ }).getAttribute('aria-selected')).toBe('true');
  });

  it("runs a laptop snippet in the host shell, even with no lab environment", async () => {
    const { api } = fakeApi();
    const panel = render(TerminalPanel, { api, nodes: ['master1'], active: false, targetsUp: { jumphost: false, master1: false } });
    expect(await (panel.component as unknown as Runner).runSnippet('curl http://localhost:30080/', { host: true })).toEqual({ ran: true, where: 'host shell' });
    const host = created.find((tab) => tab.target.kind === 'host');
    expect(host?.typed).toEqual(['curl http://localhost:30080/\r']);
    expect(screen.getByRole('tab', { name: /^host shell/ }).getAttribute('aria-selected')).toBe('true');
  });

  it('says a node is not running instead of switching to its dead tab', async () => {
    const { api, calls } = fakeApi();
    const panel = render(TerminalPanel, { api, nodes: ['master1', 'worker1'], active: true, targetsUp: { jumphost: true, master1: false, worker1: false } });
    await waitFor(() => expect(created).toHaveLength(1));
    const result = await (panel.component as unknown as Runner).runSnippet('ip route', { node: 'worker1' });
    expect(result).toEqual({ ran: false, reason: expect.stringContaining('worker1 is not running') });
    expect(calls.some((call) => call.name === 'terminal.open' && JSON.stringify(call.input).includes('worker1'))).toBe(false);
    expect(screen.getByRole('tab', { name: /^jumphost/ }).getAttribute('aria-selected')).toBe('true');
    // Every node of the topology is listed from the start, with its state in words.
    expect(screen.getByRole('tab', { name: 'master1 — not running' })).toBeTruthy();
    expect(await (panel.component as unknown as Runner).runSnippet('ls', { node: 'worker9' })).toEqual({ ran: false, reason: expect.stringContaining('no worker9 node') });
  });

  it('says why a shell could not open and offers to try again', async () => {
    const { api } = fakeApi({ failOpen: true });
    render(TerminalPanel, { api, nodes: [], active: true });
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('The jumphost is not running'));
    expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('waits calmly for a stopped environment and opens the jumphost by itself once it runs', async () => {
    const failing = { fail: true };
    const { api, calls } = fakeApi();
    const original = api.call.bind(api);
    (api as { call: unknown }).call = async (name: string, input: unknown) => {
      if (name === 'terminal.open' && failing.fail) {
        calls.push({ name, input });
        throw new Error('The jumphost is not running');
      }
      return original(name as never, input as never);
    };
    const panel = render(TerminalPanel, { api, nodes: [], active: true, environmentRunning: false });
    const notice = await screen.findByRole('status');
    expect(notice.textContent).toContain('opens by itself once the lab environment is running');
    expect(screen.queryByRole('alert')).toBeNull();

    failing.fail = false;
    await panel.rerender({ api, nodes: [], active: true, environmentRunning: true });
    await waitFor(() => expect(created[0]?.sessionId).toBe('t1'));
    expect(calls.filter((call) => call.name === 'terminal.open')).toHaveLength(2);
    await waitFor(() => expect(screen.queryByRole('status')).toBeNull());
  });

  it('finds text in the shown terminal, says when nothing matches, and Escape returns to the terminal', async () => {
    const { api } = fakeApi();
    render(TerminalPanel, { api, nodes: [], active: true });
    await waitFor(() => expect(created[0]?.sessionId).toBe('t1'));
    const tab = created[0]!;
    const focused = vi.spyOn(tab, 'focus');
    await fireEvent.click(screen.getByRole('button', { name: 'Find in terminal' }));
    const box = await screen.findByRole('searchbox', { name: 'Find text' });
    await waitFor(() => expect(document.activeElement).toBe(box));
    await fireEvent.input(box, { target: { value: 'pods' } });
    expect(tab.search.findNext).toHaveBeenLastCalledWith('pods', expect.objectContaining({ decorations: expect.any(Object) }));
    await fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(tab.search.findPrevious).toHaveBeenLastCalledWith('pods', expect.anything());
    tab.search.findNext.mockReturnValue(false);
    await fireEvent.click(screen.getByRole('button', { name: 'Next match' }));
    expect(screen.getByRole('search', { name: 'Find in terminal' }).textContent).toContain('No matches');
    await fireEvent.keyDown(box, { key: 'Escape' });
    expect(screen.queryByRole('search')).toBeNull();
    expect(tab.search.clearDecorations).toHaveBeenCalled();
    expect(focused).toHaveBeenCalled();
  });
});
