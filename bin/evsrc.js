#!/usr/bin/env node
// Runs the bundle in dist/ (scripts/build.mjs). A package installed from a tarball or the registry ships
// it; in a clone, `npm install` (or `npm install -g .`) builds it through the prepare script.
//
// CommonJS (bin/package.json): help and the version run from dist/help.cjs, the command line alone in one
// CommonJS file, so Node starts no ES module loader for them; every command runs the code-split ES module
// bundle, dist/cli.js. Built-in modules are required, never imported: an ESM import of node:fs would read
// all its exports at once and load Node's stream code before anything runs.
'use strict';
const { existsSync } = require('node:fs');
const { enableCompileCache } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'cli.js');
const helpBundle = join(root, 'dist', 'help.cjs');
const missing = [bundle, helpBundle].find((file) => !existsSync(file));
if (missing) {
  process.stderr.write(
    `error: evsrc is not built: ${missing} is missing\n` +
      `hint: run \`npm install\` in ${root} (it builds dist/), or \`npm run build\` there if its dependencies are installed\n`,
  );
  process.exit(1);
}
// Node 22.1+ keeps V8's compiled code of the bundles between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it
// off); Node 20 has no such cache. Called before either bundle loads, so that they are what gets cached.
enableCompileCache?.();

const runAll = () => import(pathToFileURL(bundle).href).then(({ run }) => run());
const argv = process.argv.slice(2);
// What commander answers with help or the version (it finds --help anywhere on the command line); a
// command line that turns out to ask for more is handed to the whole CLI, with nothing written yet.
if (argv[0] === 'help' || argv.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V')) {
  require(helpBundle).runHelp(runAll);
} else {
  runAll();
}
