import { afterEach, describe, expect, it } from 'vitest';
import { allowLoopbackPorts, isAllowedExternalUrl, resetLoopbackPorts } from './external-links.ts';

afterEach(() => resetLoopbackPorts());

describe('isAllowedExternalUrl', () => {
  it('allows https documentation links only', () => {
    expect(isAllowedExternalUrl('https://kubernetes.io/docs/')).toBe(true);
    expect(isAllowedExternalUrl('http://kubernetes.io/docs/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@kubernetes.io/')).toBe(false);
    expect(isAllowedExternalUrl('https://evil.example/')).toBe(false);
  });

  it('opens the lab NodePort on this machine only once the environment declared it', () => {
    expect(isAllowedExternalUrl('http://localhost:30080/')).toBe(false);
    allowLoopbackPorts({ requested: [30080], published: [30081] });
    expect(isAllowedExternalUrl('http://localhost:30080/')).toBe(true);
    expect(isAllowedExternalUrl('http://127.0.0.1:30081/')).toBe(true);
    // Not other loopback services: the Labdeck host, the API server, anything on another port or scheme.
    for (const url of ['http://localhost/', 'http://127.0.0.1:6443/', 'http://localhost:41234/', 'file:///etc/passwd', 'http://10.1.1.7:30080/', 'http://a:b@localhost:30080/']) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('never takes ports outside the NodePort range as requested NodePorts', () => {
    allowLoopbackPorts({ requested: [22, 6443, 40000] });
    expect(isAllowedExternalUrl('http://localhost:6443/')).toBe(false);
    expect(isAllowedExternalUrl('http://localhost:40000/')).toBe(false);
  });
});
