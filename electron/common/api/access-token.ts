/**
 * How the browser shell proves it holds the per-launch token. Cookies are not scoped by port, so any other
 * service on 127.0.0.1 (a NodePort the lab opens, a second Labdeck) would receive a token cookie; the token
 * therefore travels in the address's fragment (never sent to a server), stays in the page, and is presented
 * on the WebSocket handshake as a subprotocol. The server answers with `webSocketProtocol` only, so the token
 * is never echoed.
 */
export const webSocketProtocol = 'labdeck.v1';
const tokenProtocolPrefix = 'labdeck.token.';

/** The fragment parameter of the address `labdeck serve` prints: http://127.0.0.1:PORT/#token=… */
export const tokenFragmentKey = 'token';

/** Subprotocols the renderer offers; the token is base64url, so it is a valid header token. */
export function webSocketProtocols(token: string): string[] {
  return [webSocketProtocol, `${tokenProtocolPrefix}${token}`];
}

/** The token among offered subprotocols, or undefined. */
export function tokenFromProtocols(offered: Iterable<string>): string | undefined {
  for (const protocol of offered) {
    if (protocol.startsWith(tokenProtocolPrefix)) return protocol.slice(tokenProtocolPrefix.length);
  }
  return undefined;
}
