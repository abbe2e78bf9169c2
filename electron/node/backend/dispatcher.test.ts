import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackend, type Backend } from './create-backend.ts';
import { Dispatcher } from './dispatcher.ts';
import { LabdeckError } from '../../common/errors.ts';

// The boundary every renderer message crosses, exercised on the real backend's handlers.

let backend: Backend;
let tmp: string;
const context = { clientId: 'test' };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labdeck-dispatch-'));
  backend = await createBackend({ shell: 'browser', labsDir: 'labs', dataDir: tmp, kubeconfigOverride: path.join(tmp, 'absent') });
});

afterAll(async () => {
  await backend?.dispose();
  await rm(tmp, { recursive: true, force: true });
});

describe('dispatcher', () => {
  it('answers a valid call with the value the contract describes', async () => {
    const outcome = await backend.dispatcher.dispatch('labs.get', { labId: '1.5' }, context);
    expect(outcome.ok).toBe(true);
    expect(outcome.ok && (outcome.value as { title: string }).title).toBe('Services');
  });

  it.each([
    ['a call that does not exist', 'fs.readFile', {}, 'unknown-call'],
    ['a prototype property as call name', '__proto__', {}, 'unknown-call'],
    ['a non-string call name', 42, {}, 'unknown-call'],
    ['a lab id that is not one', 'labs.get', { labId: '../../etc/passwd' }, 'invalid-request'],
    ['a missing field', 'labs.get', {}, 'invalid-request'],
    ['an extra field', 'labs.list', { admin: true }, 'invalid-request'],
    ['a wrong type', 'terminal.resize', { id: 't1', cols: '80', rows: 24 }, 'invalid-request'],
    ['an absurd terminal size', 'terminal.resize', { id: 't1', cols: 100000, rows: 24 }, 'invalid-request'],
    ['a non-object input', 'progress.get', 'everything', 'invalid-request'],
  ])('rejects %s with a clear error and an action', async (_what, name, input, code) => {
    const outcome = await backend.dispatcher.dispatch(name, input, context);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.code).toBe(code);
    expect(outcome.error.message.length).toBeGreaterThan(10);
    expect(outcome.error.action).toBeTruthy();
  });

  it('names the offending field of an invalid request', async () => {
    const outcome = await backend.dispatcher.dispatch('terminal.resize', { id: 't1', cols: '80', rows: 24 }, context);
    expect(!outcome.ok && outcome.error.message).toContain('cols');
  });

  it('passes a LabdeckError through with its code and action, without logging it as a bug', async () => {
    const logUnexpected = vi.fn();
    const dispatcher = new Dispatcher(
      {
        ...backend.handlers,
        'labs.get': async () => {
          throw new LabdeckError('not-found', 'There is no lab 9.9 in this course.', { action: 'Pick a lab from the list.' });
        },
      },
      { logUnexpected },
    );
    const outcome = await dispatcher.dispatch('labs.get', { labId: '9.9' }, context);
    expect(outcome).toEqual({ ok: false, error: { name: 'LabdeckError', code: 'not-found', message: 'There is no lab 9.9 in this course.', action: 'Pick a lab from the list.' } });
    expect(logUnexpected).not.toHaveBeenCalled();
  });

  it('reports an unexpected exception as internal, with an action, and logs it', async () => {
    const logUnexpected = vi.fn();
    const dispatcher = new Dispatcher({ ...backend.handlers, 'labs.list': async () => Promise.reject(new TypeError('x is undefined')) }, { logUnexpected });
    const outcome = await dispatcher.dispatch('labs.list', {}, context);
    expect(!outcome.ok && outcome.error.code).toBe('internal');
    expect(!outcome.ok && outcome.error.action).toContain('diagnostics');
    expect(logUnexpected).toHaveBeenCalledWith('labs.list', expect.any(TypeError));
  });

  it('never lets a handler answer outside the contract reach the renderer', async () => {
    const logUnexpected = vi.fn();
    const broken = { ...backend.handlers, 'progress.get': async () => ({ courseId: 7 }) } as unknown as typeof backend.handlers;
    const outcome = await new Dispatcher(broken, { logUnexpected }).dispatch('progress.get', {}, context);
    expect(!outcome.ok && outcome.error.code).toBe('invalid-response');
    expect(logUnexpected).toHaveBeenCalledOnce();
  });

  it('rejects events whose payload breaks the contract at the moment they are emitted', () => {
    expect(() => backend.events.emit('terminal.exit', { id: 'not a terminal id', exitCode: 0 })).toThrow(/terminal\.exit has an invalid payload/);
  });
});

describe('dispatcher, renderers gone for good', () => {
  it('tells the services, and never throws into the transport that reports it', async () => {
    const gone: string[][] = [];
    const logged: string[] = [];
    const forwarding = new Dispatcher(backend.handlers, { onClientsGone: (clientIds) => void gone.push([...clientIds]) });
    forwarding.clientsGone(['ws-1', 'ws-2']);
    forwarding.clientsGone([]);
    expect(gone).toEqual([['ws-1', 'ws-2']]);
    const failing = new Dispatcher(backend.handlers, {
      onClientsGone: async () => {
        throw new Error('shell would not die');
      },
      logUnexpected: (call, error) => logged.push(`${call}: ${(error as Error).message}`),
    });
    expect(() => failing.clientsGone(['ws-3'])).not.toThrow();
    await vi.waitFor(() => expect(logged).toEqual(['clientsGone: shell would not die']));
  });

  it("ends the backend's shells of a gone renderer: create-backend wires it to the terminals", async () => {
    const opened = await backend.dispatcher.dispatch('terminal.open', { target: { kind: 'host' }, cols: 80, rows: 24 }, { clientId: 'ws-gone' });
    expect(opened.ok).toBe(true);
    const kept = await backend.dispatcher.dispatch('terminal.open', { target: { kind: 'host' }, cols: 80, rows: 24 }, { clientId: 'ws-staying' });
    const ids = async () => {
      const listed = await backend.dispatcher.dispatch('terminal.list', {}, context);
      return listed.ok ? (listed.value as Array<{ id: string }>).map((session) => session.id) : [];
    };
    backend.dispatcher.clientsGone(['ws-gone']);
    await vi.waitFor(async () => expect(await ids()).toEqual([kept.ok && (kept.value as { id: string }).id]));
  });
});
