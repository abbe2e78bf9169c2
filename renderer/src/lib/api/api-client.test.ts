import { describe, expect, it, vi } from 'vitest';
import type { WireOutcome } from '../../../../electron/common/api/bridge.ts';
import { RemoteError } from '../../../../electron/common/errors.ts';
import { ApiClient } from './api-client.ts';
import type { Transport } from './transport.ts';

function fakeTransport(answer: (name: string, input: unknown) => WireOutcome) {
  let emit: (name: string, payload: unknown) => void = () => undefined;
  const send = vi.fn(async (name: string, input: unknown) => answer(name, input));
  const transport: Transport = {
    send,
    onEvent(listener) {
      emit = listener;
      return () => undefined;
    },
    onConnection: () => () => undefined,
  };
  return { transport, send, emit: (name: string, payload: unknown) => emit(name, payload) };
}

describe('renderer API client', () => {
  it('returns the validated value of a call', async () => {
    const { transport } = fakeTransport(() => ({ ok: true, value: { cancelled: true } }));
    expect(await new ApiClient(transport).call('env.cancel', {})).toEqual({ cancelled: true });
  });

  it('does not send input the contract rejects', async () => {
    const { transport, send } = fakeTransport(() => ({ ok: true, value: {} }));
    // A caller bypassing the types (e.g. data from a drag and drop) is still caught before it leaves.
    const input = { id: 'tx', cols: -1, rows: 10 } as unknown as { id: string; cols: number; rows: number };
    await expect(new ApiClient(transport).call('terminal.resize', input)).rejects.toBeInstanceOf(RemoteError);
    expect(send).not.toHaveBeenCalled();
  });

  it("turns the backend's error into a RemoteError with its code and action", async () => {
    const { transport } = fakeTransport(() => ({ ok: false, error: { name: 'LabdeckError', code: 'environment-not-ready', message: 'No cluster.', action: 'Start the environment.' } }));
    const error = await new ApiClient(transport).call('labs.results', { labId: '1.1' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).code).toBe('environment-not-ready');
    expect((error as RemoteError).action).toBe('Start the environment.');
  });

  it('refuses an answer the contract does not allow', async () => {
    const { transport } = fakeTransport(() => ({ ok: true, value: { cancelled: 'maybe' } }));
    await expect(new ApiClient(transport).call('env.cancel', {})).rejects.toMatchObject({ code: 'invalid-response' });
  });

  it('delivers valid events to their listeners and drops malformed ones', () => {
    const { transport, emit } = fakeTransport(() => ({ ok: true, value: {} }));
    const client = new ApiClient(transport);
    const exits: unknown[] = [];
    const stop = client.on('terminal.exit', (payload) => exits.push(payload));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    emit('terminal.exit', { id: 't1', exitCode: 3 });
    emit('terminal.exit', { id: 42 });
    emit('no.such.event', {});
    stop();
    emit('terminal.exit', { id: 't2', exitCode: 0 });
    expect(exits).toEqual([{ id: 't1', exitCode: 3 }]);
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });
});
