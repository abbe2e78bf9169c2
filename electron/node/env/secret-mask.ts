/**
 * Masks secrets in what the diagnostics archive collects (inspect output, logs, command output, settings),
 * because attendees attach that archive to tickets and chats. Three kinds: whole values of variables that
 * are secrets by name (K3S_TOKEN, *PASSWORD*, …), credentials inside URLs (a company proxy as
 * http://user:password@proxy:3128 in HTTP_PROXY and friends, or anywhere else), and k3s's `token` settings.
 */

export const hidden = '<hidden>';

/** Variable names whose whole value is a secret. */
const SECRET_NAME = /(?:^|_)(?:TOKEN|PASSWORD|PASSWD|SECRET|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)(?:_|$)/i;

/** `scheme://user:password@` or `scheme://token@` in any text; the host part stays readable. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>]+@/gi;

/** k3s settings and flags that carry the cluster token: `token: x`, `--token x`, `--token=x`, `agent-token: x`. */
const K3S_TOKEN_SETTING = /((?:^|[\s"'])(?:--(?:agent-)?token(?:\s+|=)|(?:agent-)?token\s*[:=]\s*))("?)[^\s"',]+\2/gim;

/** `K3S_TOKEN=x` and other secret-named assignments inside text (logs, process lists). */
const SECRET_ASSIGNMENT = /\b([A-Za-z0-9_]*(?:TOKEN|PASSWORD|PASSWD|SECRET)[A-Za-z0-9_]*=)[^\s"',]+/g;

/** One `NAME=value` environment entry, masked. */
export function maskEnvEntry(entry: string): string {
  const separator = entry.indexOf('=');
  if (separator <= 0) return maskText(entry);
  const name = entry.slice(0, separator);
  if (SECRET_NAME.test(name)) return `${name}=${hidden}`;
  return `${name}=${maskText(entry.slice(separator + 1))}`;
}

/** Any text: credentials in URLs and k3s token settings. */
export function maskText(text: string): string {
  return text
    .replace(URL_CREDENTIALS, `$1${hidden}@`)
    .replace(SECRET_ASSIGNMENT, `$1${hidden}`)
    .replace(K3S_TOKEN_SETTING, (_match, prefix: string, quote: string) => `${prefix}${quote}${hidden}${quote}`);
}

/** Object keys whose string value is a secret (`apiToken`, `password`, `K3S_TOKEN`). */
const SECRET_KEY = /token|password|passwd|secret|api_?key|private_?key|credential/i;
/** argv flags whose next argument is the cluster token. */
const TOKEN_FLAG = /^--(?:agent-)?token$/;

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
