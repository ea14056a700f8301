#!/usr/bin/env node
// Runs the bundle in dist/ (scripts/build.mjs; `npm install` builds it through the prepare script).
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle between runs (NODE_DISABLE_COMPILE_CACHE=1 turns it
// off); Node 20 has no such cache. Imported after it, so that the bundle is what gets cached.
module.enableCompileCache?.();
const { run } = await import('../dist/cli.js');
run();
