import { repoRoot } from './bundle.ts';
import { ensureRendererBuilt } from './renderer-build.ts';

/**
 * `npm run web`: the app in a browser. Builds the renderer only when it is out of date (as `npm start` does),
 * then runs `labdeck serve` with the arguments after `npm run web --` in this process.
 */
const status = ensureRendererBuilt(repoRoot);
if (status !== 0) {
  process.exitCode = status;
} else {
  process.argv.splice(2, 0, 'serve');
  await import('../cli/main.ts');
}
