import { setFlagsFromString } from 'node:v8';

/**
 * V8 majors these flags were tried on (Node 20, 22 and 24). An unknown flag is not an exception: V8
 * writes "unrecognized flag" to stderr, so a V8 not tried here keeps its defaults instead.
 */
export const TRIED_V8_MAJORS: ReadonlySet<number> = new Set([11, 12, 13]);

/** Entries of a triggers file from which apply and diff make a run long enough for keepHeapSmall to pay. */
export const LONG_RUN_ENTRIES = 50;

let tuned = false;

/**
 * Keeps the heap of a long run (a region-wide list of a large account, an apply or diff of a large
 * file) about as small at 800 functions as at 50. Returns whether the flags were set (once per process).
 *
 * What such a run keeps is small (the triggers it shows); what it allocates is not: every AWS call
 * builds and drops a few hundred KB of SDK middleware, signing and parsing. With V8's defaults, made
 * for long-lived servers, the young generation doubles each time enough has survived since it last
 * grew (to 32 MB resident on Node 20 and 22, 64 MB on Node 24), and the old generation may grow to
 * four times what is live before it is collected, so a longer run means a bigger heap, not more data.
 * Measured on Node 20 with the 800-function bench: peak RSS 118 → 87 MiB, no slower. The two flags are
 * read by V8 each time it sizes a space, so setting them at run time works.
 *
 * The price: V8 stamps compiled code with a hash of its flags, so code compiled after the change
 * cannot use the caches made before it (Node's built-in modules, and on Node 22+ evsrc's own compile
 * cache, which a command that does not set them then compiles again). Measured as whole commands it
 * does not show: a region-wide list of 50 functions, tuned against untuned in alternation (so every
 * run met a cache made under the other flags), took 1.00x the time on Node 20 and 0.99x on Node 22,
 * with a peak of 72 against 81 MiB and 85 against 93 MiB. Still, only commands whose length grows with
 * the account set them: a region-wide list or export from its start (set later, at the 100th AWS call
 * or once ListFunctions answered, the young generation has already grown: 104 MiB at 800 functions),
 * apply and diff for a file of LONG_RUN_ENTRIES entries or more.
 */
export function keepHeapSmall(): boolean {
  if (tuned) return true;
  const major = Number(process.versions.v8.split('.')[0]);
  if (!TRIED_V8_MAJORS.has(major)) return false;
  tuned = true;
  // The young generation keeps its size instead of doubling (Node 24's V8 still resizes it, mostly
  // within 2-6 MB and seen up to 15 MB under load, where its default grows it to 64 MB).
  setFlagsFromString('--semi-space-growth-factor=1');
  // The old generation may grow to 1.5 times what a full collection left live (V8's default: up to 4 times).
  setFlagsFromString('--heap-growing-percent=50');
  return true;
}
