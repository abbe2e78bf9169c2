import { mount } from 'svelte';
import App from './App.svelte';
import { getApi } from './lib/api/index.ts';
import './styles/theme.css';

const target = document.getElementById('app');
if (!target) throw new Error('Labdeck: the page has no #app element to mount into.');

mount(App, { target, props: { api: getApi() } });
