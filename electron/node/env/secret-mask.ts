/**
 * Masks secrets in what the diagnostics archive collects (inspect output, logs, command output, settings,
 * kubeadm's configuration files), because attendees attach that archive to tickets and chats. The kinds:
 * whole values of variables that are secrets by name (*TOKEN*, *PASSWORD*, …), credentials inside URLs (a
 * company proxy as http://user:password@proxy:3128 in HTTP_PROXY and friends, or anywhere else), kubeadm's
 * bootstrap tokens wherever they appear, the `token` settings and flags of kubeadm and kubeconfigs, and
 * private keys.
 */

export const hidden = '<hidden>';

/** Variable names whose whole value is a secret. */
const SECRET_NAME = /(?:^|_)(?:TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)(?:_|$)/i;

/** `scheme://user:password@` or `scheme://token@` in any text; the host part stays readable. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/**
 * A kubeadm bootstrap token, `[a-z0-9]{6}.[a-z0-9]{16}` (kubeadm-config.ts newBootstrapToken): whoever has
 * it can join machines to the cluster. Masked whole wherever it appears (kubeadm's output, the kubelet's
 * bootstrap kubeconfig, a pasted `kubeadm join` line).
 */
const BOOTSTRAP_TOKEN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;

/**
 * Settings and flags that carry a token: kubeadm's `token: x` (InitConfiguration bootstrapTokens,
 * JoinConfiguration discovery.bootstrapToken), `tlsBootstrapToken: x`, a kubeconfig user's `token: x`, and
 * `kubeadm join --token x`, `--discovery-token=x`, `--tls-bootstrap-token x`. The CA hash
 * (`--discovery-token-ca-cert-hash`, `caCertHashes`) is public and stays.
 */
const TOKEN_SETTING = /((?:^|[\s"'{,])(?:--(?:discovery-|tls-bootstrap-)?token(?:\s+|=)|(?:tlsBootstrapToken|token)"?\s*[:=]\s*))("?)[^\s"',}]+\2/gim;

/** `BOOTSTRAP_TOKEN=x` and other secret-named assignments inside text (logs, process lists). */
const SECRET_ASSIGNMENT = /\b([A-Za-z0-9_]*(?:TOKEN|PASSWORD|PASSWD|SECRET)[A-Za-z0-9_]*=)[^\s"',]+/g;

/** A PEM private key block, and a kubeconfig's inline client key. */
const PRIVATE_KEY_PEM = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;
const CLIENT_KEY_DATA = /(client-key-data"?\s*:\s*)("?)[A-Za-z0-9+/=]+\2/g;

/** One `NAME=value` environment entry, masked. */
export function maskEnvEntry(entry: string): string {
  const separator = entry.indexOf('=');
  if (separator <= 0) return maskText(entry);
  const name = entry.slice(0, separator);
  if (SECRET_NAME.test(name)) return `${name}=${hidden}`;
  return `${name}=${maskText(entry.slice(separator + 1))}`;
}

/** Any text: credentials in URLs, bootstrap tokens, token settings and flags, private keys. */
export function maskText(text: string): string {
  return text
    .replace(PRIVATE_KEY_PEM, (_match, kind: string) => `-----BEGIN ${kind}PRIVATE KEY-----\n${hidden}\n-----END ${kind}PRIVATE KEY-----`)
    .replace(CLIENT_KEY_DATA, (_match, prefix: string, quote: string) => `${prefix}${quote}${hidden}${quote}`)
    .replace(URL_CREDENTIALS, `$1${hidden}@`)
    .replace(BOOTSTRAP_TOKEN, hidden)
    .replace(SECRET_ASSIGNMENT, `$1${hidden}`)
    .replace(TOKEN_SETTING, (_match, prefix: string, quote: string) => `${prefix}${quote}${hidden}${quote}`);
}

/** Object keys whose string value is a secret (`apiToken`, `password`, `BOOTSTRAP_TOKEN`). */
const SECRET_KEY = /token|password|passwd|secret|api_?key|private_?key|credential/i;
/** argv flags whose next argument is a token (`kubeadm join --token x`). */
const TOKEN_FLAG = /^--(?:discovery-|tls-bootstrap-)?token$/;

/** A JSON-able value with every string masked, secret-keyed values hidden, and `--token x` in argv lists. */
export function maskValue(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      if (typeof item !== 'string') return maskValue(item);
      if (index > 0 && TOKEN_FLAG.test(String(value[index - 1]))) return hidden;
      return /^[A-Za-z_][A-Za-z0-9_]*=/.test(item) ? maskEnvEntry(item) : maskText(item);
    });
  }
  if (value === null || typeof value !== 'object') return value;
  const masked: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    masked[key] = SECRET_KEY.test(key) && typeof child === 'string' && child !== '' ? hidden : maskValue(child);
  }
  return masked;
}
