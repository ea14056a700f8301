// Builds dist/: one code-split ESM bundle of src/cli.ts. Every dynamic import() in src (each command,
// each AWS SDK client, chalk, ora, the proxy code) becomes its own chunk, loaded only when used. And
// dist/help.cjs, the command line alone as one CommonJS file, for help and the version (see below).
import { build } from 'esbuild';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writeThirdPartyLicenses } from './licenses.mjs';

const require = createRequire(import.meta.url);

const root = fileURLToPath(new URL('..', import.meta.url));
// commander loads node:child_process (and with it net, dgram and the stream internals) when it is first
// loaded, for executable subcommands, which evsrc does not have: give it a stand-in that loads the real
// module on first use. Saves about a third of `evsrc --help`'s own start-up.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};
// Node's built-in modules are reached through require(), not an ESM import: importing a built-in as
// ESM reads every one of its exports at once (`import { existsSync } from 'node:fs'` loads the fs
// streams, and with them all of Node's stream code, before the first line runs), where require() hands
// back the module and each export is read when used. Each import of one in evsrc's own code becomes a
// small module that requires it (through the banner's require below). The SDK's imports of
// built-ins are left as they are: it imports many, and copying each one's exports for the interop
// made `add sqs` about 3% slower, where evsrc's own (on the path of --help) made it faster.
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_]+(\/[a-z_]+)?$/ }, (args) => {
      // Static imports only: a dynamic import() of one stays as it is, loaded when used (and as a
      // chunk of CommonJS it would have a default export only).
      if (args.kind !== 'import-statement' || /[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      if (!isBuiltin(args.path)) return undefined;
      return { path: args.path.replace(/^node:/, ''), namespace: 'builtin' };
    });
    // An ESM module of its own: the default export is the module, and each named export a constant that
    // reads it once. They are marked pure, so the bundle keeps only those imported (none of the lazy
    // ones such as fs.promises unless asked for), and nothing copies the rest.
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const names = Object.keys(require(`node:${args.path}`)).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const lines = [`const m = require('node:${args.path}');`, 'export default m;', ...names.map((k) => `export const ${k} = /* @__PURE__ */ (() => m.${k})();`)];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};
const external = process.env.EVSRC_BUILD_EXTERNAL === 'sdk' ? ['@aws-sdk/*', '@smithy/*'] : [];

// What both builds below share.
const shared = {
  absWorkingDir: root,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  target: 'node20',
  // The SDK's ES module builds: smaller chunks than their CommonJS builds.
  mainFields: ['module', 'main'],
  minify: process.env.EVSRC_BUILD_MINIFY !== '0',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const result = await build({
  ...shared,
  entryPoints: { cli: 'src/cli.ts' },
  splitting: true,
  format: 'esm',
  external,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [lazyChildProcess, builtinsByRequire],
  // CommonJS code inside the bundle (a few SDK dependencies) calls require(); ESM has none of its own.
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
});
// Help and the version: the command line alone, as one CommonJS file (bin/evsrc.js runs it when the
// command line asks for help). Without ESM Node starts no module loader, and one file is one read:
// `add sqs --help` runs in about three quarters of the time of the ESM bundle. Every import() but the
// registry's (the types' flags) stays out: help never runs a command, and main() hands a command line
// that asks for more than help to the ESM bundle (RUN_FULL in src/cli.ts).
const helpOnly = {
  name: 'help-only',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import' || /[\\/]sources[\\/]registry\.js$/.test(args.path)) return undefined;
      return { path: args.path, external: true };
    });
  },
};
const help = await build({
  ...shared,
  entryPoints: { help: 'src/cli.ts' },
  outExtension: { '.js': '.cjs' },
  format: 'cjs',
  plugins: [lazyChildProcess, helpOnly],
  // version() reads package.json next to the bundle through import.meta.url.
  define: { 'import.meta.url': '__evsrcUrl' },
  banner: { js: "const __evsrcUrl=require('node:url').pathToFileURL(__filename).href;" },
});
// One metafile for both: dist/help.cjs among the outputs (its inputs are the same sources).
result.metafile.outputs['dist/help.cjs'] = help.metafile.outputs['dist/help.cjs'];
writeFileSync(new URL('../dist/meta.json', import.meta.url), JSON.stringify(result.metafile));
// The package ships no dependencies: the licences of the code the bundle holds ship beside it.
writeThirdPartyLicenses(root, result.metafile, new URL('../dist/THIRD-PARTY-LICENSES.txt', import.meta.url));
