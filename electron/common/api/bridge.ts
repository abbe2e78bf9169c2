import type { ApiError } from '../errors.ts';

/** What a call returns over either transport: errors travel as values so their code and action survive. */
export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: ApiError };

/**
 * The object the Electron preload exposes to the page as `window.labdeck`. It is deliberately tiny: one way
 * to call, one way to hear events. Everything else (schemas, typing) lives in the renderer's API client.
 */
export interface LabdeckBridge {
  call(name: string, input: unknown): Promise<WireOutcome>;
  onEvent(listener: (name: string, payload: unknown) => void): () => void;
}

/** The only two IPC channels Labdeck uses; the preload refuses any other. */
export const bridgeChannels = {
  call: 'labdeck:call',
  event: 'labdeck:event',
} as const;
