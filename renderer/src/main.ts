import { mount } from 'svelte';
import App from './App.svelte';
import { getApi, MissingAccessTokenError } from './lib/api/index.ts';
import { openAllowedLink } from './lib/external-link.ts';
import { guardLinks } from './lib/link-policy.ts';
import './styles/theme.css';

const target = document.getElementById('app');
if (!target) throw new Error('Labdeck: the page has no #app element to mount into.');

try {
  const api = getApi();
  // The catch-all of the one link policy: any link the views did not take over themselves (hint text, for
  // one) still cannot navigate the app or open a tab, whichever button follows it.
  guardLinks(document, { open: (url) => void openAllowedLink(api, url).catch(() => undefined) });
  mount(App, { target, props: { api } });
} catch (error) {
  if (!(error instanceof MissingAccessTokenError)) throw error;
  // Plain text, no app: without the token the backend answers nothing, so say how to get in.
  const notice = document.createElement('p');
  notice.setAttribute('role', 'alert');
  notice.style.cssText = 'font: 16px/1.5 system-ui, sans-serif; margin: 3em auto; max-width: 40em; padding: 0 1em;';
  notice.textContent = error.message;
  target.replaceChildren(notice);
}
