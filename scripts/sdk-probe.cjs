// Preloaded with `node -r` by the benchmark and a test: reports which AWS SDK packages (@aws-sdk/*,
// @smithy/*) a run loaded, whether from node_modules or from the bundle in dist/.
// - From node_modules the SDK is CommonJS: every load passes through Module._load.
// - From the bundle: a module hook (Node 20.6+) notes each file of dist/ that is loaded (and Module._load
//   the CommonJS help bundle), and dist/meta.json (written by scripts/build.mjs) says which packages' code
//   each file holds.
// EVSRC_SDK_PROBE_OUT receives the sorted package names; EVSRC_SDK_PROBE_FILES, if set, the dist/ files loaded.
const Module = require('node:module');
const fs = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL, fileURLToPath } = require('node:url');

const SDK = /^@(aws-sdk|smithy)\/[^/]+/;
const loaded = new Set();
const original = Module._load;
// The CommonJS bundle of dist/ (help.cjs, required by bin/evsrc.js) is loaded through Module._load too.
const cjsBundles = [];
Module._load = function load(request, ...rest) {
  const m = SDK.exec(request);
  if (m) loaded.add(m[0]);
  if (typeof request === 'string' && /[\\/]dist[\\/][^\\/]+\.cjs$/.test(request)) cjsBundles.push(pathToFileURL(request).href);
  return original.call(this, request, ...rest);
};

const out = process.env.EVSRC_SDK_PROBE_OUT;
const urlsFile = out ? `${out}.urls` : undefined;
if (urlsFile && typeof Module.register === 'function') {
  fs.writeFileSync(urlsFile, '');
  Module.register(pathToFileURL(join(__dirname, 'sdk-probe-hook.mjs')), { data: { urlsFile } });
}

process.on('exit', () => {
  if (!out) return;
  const files = new Set();
  const metas = new Map();
  const urls = [...cjsBundles, ...(urlsFile && fs.existsSync(urlsFile) ? fs.readFileSync(urlsFile, 'utf8').split('\n').filter(Boolean) : [])];
  for (const url of urls) {
    const path = fileURLToPath(url);
    const at = path.lastIndexOf(`${require('node:path').sep}dist${require('node:path').sep}`);
    if (at < 0) continue;
    const dist = path.slice(0, at + 5);
    const key = `dist/${path.slice(at + 6).split(require('node:path').sep).join('/')}`;
    if (!metas.has(dist)) {
      try {
        metas.set(dist, JSON.parse(fs.readFileSync(join(dist, 'meta.json'), 'utf8')));
      } catch {
        metas.set(dist, undefined);
      }
    }
    files.add(key);
    for (const input of Object.keys(metas.get(dist)?.outputs?.[key]?.inputs ?? {})) {
      const m = /node_modules\/(@(?:aws-sdk|smithy)\/[^/]+)\//.exec(input);
      if (m) loaded.add(m[1]);
    }
  }
  fs.writeFileSync(out, JSON.stringify([...loaded].sort()));
  if (process.env.EVSRC_SDK_PROBE_FILES) fs.writeFileSync(process.env.EVSRC_SDK_PROBE_FILES, JSON.stringify([...files].sort()));
});
