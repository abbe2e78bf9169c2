import type { WireOutcome } from '../../../../electron/common/api/bridge.ts';
import type { ConnectionState } from '../workspace-api.ts';

/** How calls and events travel: Electron IPC through the preload, or the loopback WebSocket. */
export interface Transport {
  send(name: string, input: unknown): Promise<WireOutcome>;
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
  onConnection(listener: (state: ConnectionState) => void): () => void;
}
