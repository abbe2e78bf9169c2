/**
 * The Content-Security-Policy both shells send with the renderer. Scripts come only from the app itself;
 * Monaco and Svelte set inline styles, hence style-src 'unsafe-inline'; Monaco's YAML worker is a bundled
 * module file. Nothing may frame the app, post forms or load plugins.
 */
export function contentSecurityPolicy(options: { connect?: string[]; forMetaTag?: boolean } = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(options.connect ?? [])],
    'worker-src': ["'self'", 'blob:'],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    // Browsers ignore frame-ancestors in a <meta> tag (and log an error); only the header carries it.
    ...(options.forMetaTag ? {} : { 'frame-ancestors': ["'none'"] }),
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/**
 * Puts the same policy into index.html as a <meta> tag, so the page is protected even where a response
 * header could be lost (a file opened directly) and so static scanners (Electronegativity) can read it.
 * Vite calls this at build time.
 */
export function withContentSecurityPolicyMeta(html: string): string {
  const tag = `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy({ forMetaTag: true })}" />`;
  // Right after the charset declaration, before any script or style the policy has to cover.
  const anchor = /<meta charset="[^"]*"\s*\/?>/i.exec(html) ?? /<head>/i.exec(html);
  if (!anchor) throw new Error('index.html has no <head> to put the Content-Security-Policy into');
  const at = anchor.index + anchor[0].length;
  return `${html.slice(0, at)}\n    ${tag}${html.slice(at)}`;
}
