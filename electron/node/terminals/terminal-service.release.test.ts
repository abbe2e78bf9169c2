import { afterEach, describe, expect, it } from 'vitest';
import type { InteractiveProcess } from '../backend/ports.ts';
import { FakeProcess, setup } from './terminal-fakes.test-support.ts';

// Issue 21 item 5: shells outlived their connection for good. A browser tab gone for good (the browser host
// calls release after its grace period) takes its shells with it; a reload or another tab that attached a
// shell keeps it.

describe('TerminalService.release', () => {
  let current: ReturnType<typeof setup> | undefined;
  afterEach(async () => {
    await current?.service.dispose();
  });

  it("ends the shells of a gone tab's connections, including exited ones kept for their scrollback", async () => {
    current = setup();
    const { service, processes } = current;
    await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'ws-1');
    await service.open({ target: { kind: 'node', node: 'worker1' }, cols: 80, rows: 24 }, 'ws-2');
    const exited = await service.open({ target: { kind: 'host' }, cols: 80, rows: 24 }, 'ws-1');
    processes[2]!.exit(0);
    const other = await service.open({ target: { kind: 'node', node: 'master1' }, cols: 80, rows: 24 }, 'ws-3');
    await service.release(['ws-1', 'ws-2']);
    expect(processes.map((process) => process.killed)).toEqual([true, true, false, false]);
    expect(service.list().map((session) => session.id)).toEqual([other.id]);
    expect(() => service.input(exited.id, 'x')).toThrow('That terminal is closed');
  });

  it('keeps a shell that a reloaded page (a new connection of the same tab, or another tab) attached meanwhile', async () => {
    current = setup();
    const { service, processes } = current;
    const jumphost = await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'ws-1');
    await service.open({ target: { kind: 'node', node: 'worker1' }, cols: 80, rows: 24 }, 'ws-1');
    await service.attach(jumphost.id, 'ws-7');
    await service.release(['ws-1']);
    expect(processes.map((process) => process.killed)).toEqual([false, true]);
    expect(service.list().map((session) => session.id)).toEqual([jumphost.id]);
  });

  it('shows an ended shell\'s screen under the next shell opened on the same machine, saying why it is new', async () => {
    current = setup();
    const { service, processes } = current;
    await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'ws-1');
    processes[0]!.emit('ubuntu@jumphost:~$ kubectl get pods\r\nweb   1/1   Running\r\nubuntu@jumphost:~$ ');
    await service.release(['ws-1']);
    const next = await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'ws-9');
    expect(next.restored).toContain('web   1/1   Running');
    expect(next.restored).toContain('ended after its browser tab was closed');
    // Once: the shell after that starts blank.
    await service.close(next.id);
    expect((await service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'ws-9')).restored).toBeUndefined();
  });

  it('ends a shell that was still starting for a released connection as soon as it exists', async () => {
    let finishStart: ((process: InteractiveProcess) => void) | undefined;
    const late = new FakeProcess();
    current = setup({ containers: { execInteractive: () => new Promise<InteractiveProcess>((resolve) => (finishStart = resolve)) } });
    const { service } = current;
    const opening = service.open({ target: { kind: 'jumphost' }, cols: 80, rows: 24 }, 'ws-1');
    await new Promise((resolve) => setImmediate(resolve));
    await service.release(['ws-1']);
    finishStart!(late);
    await expect(opening).rejects.toThrow('browser tab that asked for this terminal was closed');
    expect(late.killed).toBe(true);
    expect(service.list()).toEqual([]);
    // The connection id is not remembered beyond that open.
    await expect(service.open({ target: { kind: 'host' }, cols: 80, rows: 24 }, 'ws-1')).resolves.toMatchObject({ alive: true });
  });
});
