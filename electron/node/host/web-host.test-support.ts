import { launchFragmentKey, webSocketProtocols, type Credential } from '../../common/api/access-token.ts';
import type { WebHost } from './web-host.ts';

/** A fresh one-time launch code of `host`, as a page takes it from the address. */
export function launchCode(host: WebHost): string {
  return new URL(host.launchUrl()).hash.slice(`#${launchFragmentKey}=`.length);
}

export function launchCredential(host: WebHost): Credential {
  return { kind: 'launch', code: launchCode(host) };
}

/** The subprotocols a page opened from a fresh address offers. */
export function launchProtocols(host: WebHost): string[] {
  return webSocketProtocols(launchCredential(host));
}
