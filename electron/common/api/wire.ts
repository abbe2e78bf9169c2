import { z } from 'zod';
import { ApiErrorSchema } from '../errors.ts';

/**
 * The loopback WebSocket protocol. One message type each way for calls and their results, one for pushed
 * events, all JSON text; the one exception is terminal output, which the server sends as binary frames
 * (terminal-frame.ts) that the page turns back into `terminal.data` events. The Electron transport carries
 * the same call/outcome/event triple over IPC.
 */
export const ClientMessageSchema = z
  .object({
    type: z.literal('call'),
    id: z.number().int().min(0),
    name: z.string().max(100),
    input: z.unknown(),
  })
  .strict();
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const WireOutcomeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorSchema }),
]);

export const ServerMessageSchema = z.discriminatedUnion('type', [
  /**
   * First message on every connection: who this renderer is to the backend (terminals follow that id), and,
   * when the page presented a launch code, the secret this tab presents from then on (access-token.ts).
   */
  z.object({ type: z.literal('hello'), clientId: z.string(), tabSecret: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/).optional() }),
  z.object({ type: z.literal('result'), id: z.number().int().min(0), outcome: WireOutcomeSchema }),
  z.object({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** Where the renderer's WebSocket connects on the page's own origin. */
export const webSocketPath = '/api';
