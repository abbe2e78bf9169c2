import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, URL-safe; a new one every time the host starts. */
export function newAccessToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokensMatch(expected: string, offered: string | undefined | null): boolean {
  if (typeof offered !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(offered);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The subprotocols a WebSocket handshake offers (`Sec-WebSocket-Protocol: a, b`). */
export function offeredProtocols(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
