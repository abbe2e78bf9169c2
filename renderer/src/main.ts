import { mount } from 'svelte';
import App from './App.svelte';
import { getApi, MissingAccessTokenError } from './lib/api/index.ts';
import './styles/theme.css';

const target = document.getElementById('app');
if (!target) throw new Error('Labdeck: the page has no #app element to mount into.');

try {
  mount(App, { target, props: { api: getApi() } });
} catch (error) {
  if (!(error instanceof MissingAccessTokenError)) throw error;
  // Plain text, no app: without the token the backend answers nothing, so say how to get in.
  const notice = document.createElement('p');
  notice.setAttribute('role', 'alert');
  notice.style.cssText = 'font: 16px/1.5 system-ui, sans-serif; margin: 3em auto; max-width: 40em; padding: 0 1em;';
  notice.textContent = error.message;
  target.replaceChildren(notice);
}
