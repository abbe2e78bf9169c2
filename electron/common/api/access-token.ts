/**
 * How a browser tab proves it may use the browser host's API (issue 21 item 4). The address `labdeck serve`
 * prints carries a one-time launch code in its fragment (never sent to a server): the page presents it on
 * its first WebSocket handshake, the host retires it and answers with a secret for this tab alone, and the
 * page uses that secret from then on. Browsers keep the address in their history, session files and omnibox
 * suggestions; what they keep there is a code that no longer opens anything.
 *
 * Credentials travel as WebSocket subprotocols, the one header a page's WebSocket can set. Not cookies: a
 * cookie on 127.0.0.1 goes to every port there (a NodePort the lab opens, a second Labdeck). The server
 * answers with `webSocketProtocol` only, so a credential is never echoed.
 */
export const webSocketProtocol = 'labdeck.v1';
const launchProtocolPrefix = 'labdeck.launch.';
const tabProtocolPrefix = 'labdeck.tab.';

/** The fragment parameter of the address `labdeck serve` prints: http://127.0.0.1:PORT/#launch=… */
export const launchFragmentKey = 'launch';
/** Where addresses before issue 21 carried a reusable token; such an address is refused with the way forward. */
export const oldTokenKey = 'token';

/** A launch code or a tab secret: base64url, so it is a valid header token. */
export const credentialPattern = /^[A-Za-z0-9_-]{16,128}$/;

export type Credential = { kind: 'launch'; code: string } | { kind: 'tab'; secret: string };

/** Subprotocols the renderer offers for `credential`. */
export function webSocketProtocols(credential: Credential): string[] {
  return [webSocketProtocol, credential.kind === 'launch' ? `${launchProtocolPrefix}${credential.code}` : `${tabProtocolPrefix}${credential.secret}`];
}

/** The credential among offered subprotocols, or undefined. */
export function credentialFromProtocols(offered: Iterable<string>): Credential | undefined {
  for (const protocol of offered) {
    if (protocol.startsWith(launchProtocolPrefix)) return { kind: 'launch', code: protocol.slice(launchProtocolPrefix.length) };
    if (protocol.startsWith(tabProtocolPrefix)) return { kind: 'tab', secret: protocol.slice(tabProtocolPrefix.length) };
  }
  return undefined;
}
