import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Credential } from '../../common/api/access-token.ts';

/**
 * The browser tabs allowed to use the browser host (issue 21 item 4).
 *
 * A launch code opens one tab, once. Codes are minted from a launch key (random per host) as a nonce and its
 * HMAC, so `labdeck serve` can print a fresh one whenever one was used, and the test harness, which starts
 * the host with a key of its own, can mint one per page it opens. A used nonce is remembered for the host's
 * lifetime; only the key's holder can mint codes, so that set grows with real launches only.
 *
 * The tab gets a secret of its own, kept by the page in memory and sessionStorage (which survives a reload
 * of that tab, and which Chromium also keeps on disk to restore sessions). The secret is valid while the tab
 * is connected and for a grace period after its last connection closed: a reload, a reconnect after the
 * backend was busy, Ctrl+Shift+T on a closed tab all come back within it. After it, the secret opens
 * nothing, and the tab's terminals end (`onGone`): shells do not outlive the tab that opened them.
 */
export interface TabSessionsOptions {
  /** At least 32 bytes; random per host unless given (tests, and the harness through LABDECK_LAUNCH_KEY). */
  launchKey?: Buffer;
  /** How long a tab may be away before it is gone for good. */
  graceMs?: number;
  /** The connections (client ids) a gone tab ever had; what they own ends. */
  onGone?: (clientIds: string[]) => void;
}

/**
 * Long enough for a reload or Ctrl+Shift+T, and for the page's reconnects (their back-off stops at 4 s);
 * short enough that a secret Chromium wrote to its profile stops working soon after the tab closed.
 */
export const TAB_GRACE_MS = 60_000;

const NONCE_BYTES = 16;
const NONCE_CHARS = 22;
const MAC_CHARS = 43;

export function newLaunchKey(): Buffer {
  return randomBytes(32);
}

/** The launch key the harness gives `labdeck serve` (base64url, 32 bytes or more), or undefined. */
export function launchKeyFromEnvironment(env: NodeJS.ProcessEnv): Buffer | undefined {
  const text = env.LABDECK_LAUNCH_KEY;
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64url');
  if (key.length < 32) throw new Error('LABDECK_LAUNCH_KEY must hold at least 32 bytes, base64url-encoded; unset it to get a random key.');
  return key;
}

/** A fresh one-time launch code for `key`. */
export function mintLaunchCode(key: Buffer): string {
  const nonce = randomBytes(NONCE_BYTES).toString('base64url');
  return `${nonce}${mac(key, nonce)}`;
}

function mac(key: Buffer, nonce: string): string {
  return createHmac('sha256', key).update(`labdeck-launch:${nonce}`).digest('base64url');
}

/** Tabs are looked up by the hash of their secret, so no lookup compares secrets themselves. */
function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export interface Tab {
  readonly id: number;
  /** Connections open right now. */
  readonly live: Set<string>;
  /** Every connection this tab ever had: shells follow the connection that opened or last attached them. */
  readonly clientIds: Set<string>;
  readonly key: string;
  timer: NodeJS.Timeout | undefined;
}

export interface Admission {
  tab: Tab;
  /** Present when a launch code was exchanged: the secret the page uses from now on. */
  secret?: string;
}

export class TabSessions {
  readonly #key: Buffer;
  readonly #graceMs: number;
  readonly #onGone: (clientIds: string[]) => void;
  readonly #usedNonces = new Set<string>();
  readonly #tabs = new Map<string, Tab>();
  #nextId = 0;

  constructor(options: TabSessionsOptions = {}) {
    this.#key = options.launchKey ?? newLaunchKey();
    if (this.#key.length < 32) throw new Error('A launch key must hold at least 32 bytes.');
    this.#graceMs = options.graceMs ?? TAB_GRACE_MS;
    this.#onGone = options.onGone ?? (() => undefined);
  }

  mintLaunchCode(): string {
    return mintLaunchCode(this.#key);
  }

  /** The tab `credential` stands for; a launch code is retired here and makes a new tab. */
  admit(credential: Credential | undefined): Admission | undefined {
    if (credential?.kind === 'tab') {
      const tab = this.#tabs.get(digest(credential.secret));
      return tab ? { tab } : undefined;
    }
    if (credential?.kind !== 'launch' || !this.#redeem(credential.code)) return undefined;
    const secret = randomBytes(32).toString('base64url');
    const tab: Tab = { id: ++this.#nextId, live: new Set(), clientIds: new Set(), key: digest(secret), timer: undefined };
    this.#tabs.set(tab.key, tab);
    // Until its socket is open, the new tab counts as away: a handshake that never completes leaves nothing.
    this.#arm(tab);
    return { tab, secret };
  }

  connected(tab: Tab, clientId: string): void {
    if (tab.timer) clearTimeout(tab.timer);
    tab.timer = undefined;
    tab.live.add(clientId);
    tab.clientIds.add(clientId);
  }

  disconnected(tab: Tab, clientId: string): void {
    tab.live.delete(clientId);
    if (tab.live.size === 0 && this.#tabs.get(tab.key) === tab) this.#arm(tab);
  }

  /** Tabs whose secret still opens the API. */
  count(): number {
    return this.#tabs.size;
  }

  dispose(): void {
    for (const tab of this.#tabs.values()) if (tab.timer) clearTimeout(tab.timer);
    this.#tabs.clear();
  }

  #redeem(code: string): boolean {
    if (code.length !== NONCE_CHARS + MAC_CHARS) return false;
    const nonce = code.slice(0, NONCE_CHARS);
    const offered = Buffer.from(code.slice(NONCE_CHARS));
    const expected = Buffer.from(mac(this.#key, nonce));
    if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) return false;
    if (this.#usedNonces.has(nonce)) return false;
    this.#usedNonces.add(nonce);
    return true;
  }

  #arm(tab: Tab): void {
    if (tab.timer) clearTimeout(tab.timer);
    tab.timer = setTimeout(() => {
      tab.timer = undefined;
      if (tab.live.size > 0 || this.#tabs.get(tab.key) !== tab) return;
      this.#tabs.delete(tab.key);
      this.#onGone([...tab.clientIds]);
    }, this.#graceMs);
    tab.timer.unref?.();
  }
}
