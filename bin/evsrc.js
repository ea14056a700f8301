#!/usr/bin/env node
// Runs the bundle in dist/ (scripts/build.mjs). A package installed from a tarball or the registry ships
// it; in a clone, `npm install` (or `npm install -g .`) builds it through the prepare script.
import module from 'node:module';

// Built-in modules through require(): an ESM import of node:fs would read all its exports at once,
// loading Node's stream code before anything runs (see scripts/build.mjs).
const require = module.createRequire(import.meta.url);
const { existsSync } = require('node:fs');
const { fileURLToPath } = require('node:url');

const bundle = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(
    `error: evsrc is not built: ${root}dist/ is missing\n` +
      `hint: run \`npm install\` in ${root} (it builds dist/), or \`npm run build\` there if its dependencies are installed\n`,
  );
  process.exit(1);
}
// Node 22.1+ keeps V8's compiled code of the bundle between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it
// off); Node 20 has no such cache. Imported after it, so that the bundle is what gets cached.
module.enableCompileCache?.();
const { run } = await import(bundle.href);
run();
