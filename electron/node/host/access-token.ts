import { randomBytes, timingSafeEqual } from 'node:crypto';

/** The cookie that carries the per-launch token after the first visit, so the token leaves the address bar. */
export const sessionCookieName = 'labdeck-session';

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

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string): string {
  return `${sessionCookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
