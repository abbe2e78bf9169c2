import { z } from 'zod';
import { defineCall, defineEvent } from './define.ts';
import { MAX_FRAME_DATA_BYTES } from './terminal-frame.ts';

export const TerminalTargetSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('jumphost') }).strict(),
  z.object({ kind: z.literal('node'), node: z.string().regex(/^[a-z0-9-]+$/) }).strict(),
  z.object({ kind: z.literal('host') }).strict(),
]);
export type TerminalTarget = z.infer<typeof TerminalTargetSchema>;

const TerminalId = z.string().regex(/^t[0-9a-z-]+$/);
const Size = { cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) };

/**
 * Raw terminal bytes, never decoded on the way, so a UTF-8 sequence split across chunks reaches xterm
 * intact. Electron IPC carries them by structured clone; the browser host sends them as binary frames
 * (terminal-frame.ts), not JSON, and the page turns each frame back into this event.
 */
export const TerminalDataSchema = z.object({
  id: TerminalId,
  data: z
    // Not instanceof: bytes cloned over IPC or through the preload's context bridge are another realm's Uint8Array.
    .custom<Uint8Array>((value) => ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]', 'terminal output must be raw bytes (a Uint8Array)')
    .refine((bytes) => bytes.byteLength >= 1 && bytes.byteLength <= MAX_FRAME_DATA_BYTES, `1 to ${MAX_FRAME_DATA_BYTES} bytes per chunk`),
  seq: z.number().int().min(0),
});

/**
 * The current screen of a shell, serialized by the backend's mirror (escape sequences). Sent instead of
 * the output a lagging renderer missed, and after a Ctrl-C that dropped the backlog; it replaces whatever
 * the renderer has queued up to `seq`.
 */
export const TerminalScreenSchema = z.object({ id: TerminalId, screen: z.string().max(4_000_000), seq: z.number().int().min(0) });

export const TerminalSessionSchema = z.object({
  id: TerminalId,
  title: z.string(),
  target: TerminalTargetSchema,
  alive: z.boolean(),
  /** The screen this machine's terminal showed when the previous backend ended (crash or quit), to paint first. */
  restored: z.string().max(4_100_000).optional(),
});
export type TerminalSession = z.infer<typeof TerminalSessionSchema>;

export const terminalCalls = {
  'terminal.open': defineCall(z.object({ target: TerminalTargetSchema, ...Size }).strict(), TerminalSessionSchema, 'Open a shell'),
  'terminal.list': defineCall(z.object({}).strict(), z.array(TerminalSessionSchema), 'Open shells'),
  'terminal.attach': defineCall(
    z.object({ id: TerminalId }).strict(),
    z.object({ replay: z.string(), seq: z.number().int().min(0) }),
    'Scrollback (base64) to replay after a tab switch or reconnect',
  ),
  'terminal.input': defineCall(
    // resync: the renderer dropped its queued output (Ctrl-C while behind) and needs the current screen.
    z.object({ id: TerminalId, data: z.string().max(100_000), resync: z.boolean().optional() }).strict(),
    z.object({}),
    'Keystrokes / paste from the user',
  ),
  'terminal.resize': defineCall(z.object({ id: TerminalId, ...Size }).strict(), z.object({}), 'Follow the panel size'),
  'terminal.ack': defineCall(
    z.object({ id: TerminalId, seq: z.number().int().min(0) }).strict(),
    z.object({}),
    'Flow control: the renderer processed the output up to this stream position',
  ),
  'terminal.close': defineCall(z.object({ id: TerminalId }).strict(), z.object({}), 'Close a shell'),
} as const;

export const terminalEvents = {
  'terminal.data': defineEvent(TerminalDataSchema, 'Output bytes of a shell'),
  'terminal.screen': defineEvent(TerminalScreenSchema, 'The current screen of a shell, replacing output the renderer missed'),
  'terminal.exit': defineEvent(z.object({ id: TerminalId, exitCode: z.number().int().nullable(), message: z.string().optional() }), 'A shell ended'),
} as const;
