import type { CallHandlers } from '../../common/api/contract.ts';
import type { TerminalService } from './terminal-service.ts';

type TerminalCall = 'terminal.open' | 'terminal.list' | 'terminal.attach' | 'terminal.input' | 'terminal.resize' | 'terminal.ack' | 'terminal.close';

export function createTerminalHandlers(service: TerminalService): Pick<CallHandlers, TerminalCall> {
  return {
    'terminal.open': async ({ target, cols, rows }, { clientId }) => service.open({ target, cols, rows }, clientId),
    'terminal.list': async () => service.list(),
    'terminal.attach': async ({ id }, { clientId }) => service.attach(id, clientId),
    'terminal.input': async ({ id, data, resync }, { clientId }) => {
      service.input(id, data, clientId, resync === true);
      return {};
    },
    'terminal.resize': async ({ id, cols, rows }, { clientId }) => {
      service.resize(id, cols, rows, clientId);
      return {};
    },
    'terminal.ack': async ({ id, seq }) => {
      service.ack(id, seq);
      return {};
    },
    'terminal.close': async ({ id }) => {
      service.close(id);
      return {};
    },
  };
}
