/**
 * The Content-Security-Policy both shells send with the renderer. Scripts come only from the app itself;
 * Monaco and Svelte set inline styles, hence style-src 'unsafe-inline'; Monaco's YAML worker is a bundled
 * module file. Nothing may frame the app, post forms or load plugins.
 */
export function contentSecurityPolicy(options: { connect?: string[] } = {}): string {
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
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
