// Preloaded with `node -r` by the benchmark and a test: reports which AWS SDK packages a run loaded.
// The SDK ships CommonJS, so every load passes through Module._load.
const Module = require('node:module');
const loaded = new Set();
const original = Module._load;
Module._load = function load(request, ...rest) {
  const m = /^@aws-sdk\/[^/]+/.exec(request);
  if (m) loaded.add(m[0]);
  return original.call(this, request, ...rest);
};
process.on('exit', () => {
  if (process.env.EVSRC_SDK_PROBE_OUT) require('node:fs').writeFileSync(process.env.EVSRC_SDK_PROBE_OUT, JSON.stringify([...loaded].sort()));
});
