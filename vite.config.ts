import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { withContentSecurityPolicyMeta } from './electron/common/csp.ts';
import { precompressPlugin } from './electron/build/precompress.ts';

// The renderer is one static build served by both shells (Electron's file loader and the loopback host),
// so it must not depend on a dev server or on anything fetched at run time.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [svelte(), { name: 'labdeck-csp-meta', transformIndexHtml: (html) => withContentSecurityPolicyMeta(html) }, precompressPlugin()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 8000,
  },
  worker: { format: 'es' },
  resolve: {
    // monaco-yaml's worker (through monaco-worker-manager) imports Monaco's pre-0.56 path
    // `monaco-editor/esm/vs/...`, which Monaco's package exports no longer map; point it at the new one.
    alias: [{ find: /^monaco-editor\/esm\/vs\/(.*)$/, replacement: 'monaco-editor/$1' }],
  },
});
