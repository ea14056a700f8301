// Preloaded with `node -r` by the benchmarks: writes the process's peak resident memory (KiB, the
// kernel's own accounting) to the file named by EVSRC_PEAK_RSS_OUT when it exits.
const { writeFileSync } = require('node:fs');

const out = process.env.EVSRC_PEAK_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
