/**
 * Binary WebSocket frames for terminal output. Output is most of what the browser host sends, and as JSON
 * every chunk cost a base64 encoding (+33%), a JSON string on each side and a decode back to bytes; a
 * binary frame carries the shell's bytes as they are. Calls, results and every other event stay JSON
 * (wire.ts), checked by their zod schemas.
 *
 * Layout (all integers big-endian):
 *
 *   byte 0         frame type: 0x01 = terminal output
 *   byte 1         n, the length of the terminal id (1-64)
 *   bytes 2..2+n   the terminal id, ASCII, as in the contract (t[0-9a-z-]+)
 *   next 8 bytes   seq: the stream position of the last byte, an unsigned integer up to 2^53 - 1
 *   the rest       the output bytes (at least one)
 *
 * The decoded frame is delivered as a `terminal.data` event, so the API client still checks it against
 * TerminalDataSchema like any other event.
 */

export const TERMINAL_OUTPUT_FRAME = 0x01;
const MAX_ID_BYTES = 64;
const SEQ_BYTES = 8;
/** The same bound the event schema puts on one chunk. */
export const MAX_FRAME_DATA_BYTES = 2_000_000;
const idPattern = /^t[0-9a-z-]+$/;

export interface TerminalOutputFrame {
  id: string;
  seq: number;
  data: Uint8Array;
}

/** A frame that does not follow the layout above; the message says which part is wrong. */
export class TerminalFrameError extends Error {
  constructor(message: string) {
    super(`Malformed terminal frame: ${message}`);
    this.name = 'TerminalFrameError';
  }
}

export function encodeTerminalFrame(frame: TerminalOutputFrame): Uint8Array {
  const { id, seq, data } = frame;
  if (!idPattern.test(id) || id.length > MAX_ID_BYTES) throw new TerminalFrameError(`terminal id ${JSON.stringify(id.slice(0, 80))} is not a Labdeck terminal id`);
  if (!Number.isSafeInteger(seq) || seq < 0) throw new TerminalFrameError(`seq ${seq} is not a non-negative safe integer`);
  if (data.byteLength === 0 || data.byteLength > MAX_FRAME_DATA_BYTES) throw new TerminalFrameError(`${data.byteLength} output bytes (1-${MAX_FRAME_DATA_BYTES} allowed)`);
  const header = 2 + id.length + SEQ_BYTES;
  const out = new Uint8Array(header + data.byteLength);
  out[0] = TERMINAL_OUTPUT_FRAME;
  out[1] = id.length;
  for (let index = 0; index < id.length; index++) out[2 + index] = id.charCodeAt(index);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // Two 32-bit halves: DataView has no 53-bit integer setter and BigInt would cost an allocation per frame.
  view.setUint32(2 + id.length, Math.floor(seq / 2 ** 32));
  view.setUint32(2 + id.length + 4, seq >>> 0);
  out.set(data, header);
  return out;
}

/**
 * Reads a frame. The output bytes are a view into `bytes`, not a copy: the caller owns the buffer, and a
 * WebSocket message's buffer is not reused.
 */
export function decodeTerminalFrame(bytes: Uint8Array): TerminalOutputFrame {
  if (bytes.byteLength < 2) throw new TerminalFrameError(`${bytes.byteLength} bytes is shorter than the header`);
  if (bytes[0] !== TERMINAL_OUTPUT_FRAME) throw new TerminalFrameError(`unknown frame type 0x${bytes[0]!.toString(16).padStart(2, '0')}`);
  const idLength = bytes[1]!;
  if (idLength === 0 || idLength > MAX_ID_BYTES) throw new TerminalFrameError(`terminal id length ${idLength} (1-${MAX_ID_BYTES} allowed)`);
  const header = 2 + idLength + SEQ_BYTES;
  if (bytes.byteLength <= header) throw new TerminalFrameError(`${bytes.byteLength} bytes leaves no output after the ${header}-byte header`);
  if (bytes.byteLength - header > MAX_FRAME_DATA_BYTES) throw new TerminalFrameError(`${bytes.byteLength - header} output bytes (at most ${MAX_FRAME_DATA_BYTES})`);
  let id = '';
  for (let index = 0; index < idLength; index++) id += String.fromCharCode(bytes[2 + index]!);
  if (!idPattern.test(id)) throw new TerminalFrameError(`terminal id ${JSON.stringify(id)} is not a Labdeck terminal id`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(2 + idLength);
  const low = view.getUint32(2 + idLength + 4);
  if (high >= 2 ** 21) throw new TerminalFrameError('seq is beyond 2^53 - 1');
  return { id, seq: high * 2 ** 32 + low, data: bytes.subarray(header) };
}
