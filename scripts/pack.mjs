// `npm pack` and `npm publish` run this twice: `before` (prepack) and `after` (postpack).
//
// before: builds dist/ (the bundle holds every runtime dependency, so the package has none), then
// writes the package.json that ships: without `scripts` and `devDependencies`. An installed evsrc needs
// neither, and a tarball whose manifest has a `prepare` script is reported by npm 11 as having install
// scripts to approve (and refused with --strict-allow-scripts), although npm never runs `prepare` for
// a tarball. The package.json of the clone is kept in package.json.packing meanwhile.
// after: puts the clone's package.json back. A pack that was stopped between the two leaves
// package.json.packing behind; the next `before` (or `node scripts/pack.mjs after`) restores it first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = new URL('../package.json', import.meta.url);
const kept = new URL('../package.json.packing', import.meta.url);

function restore() {
  if (existsSync(kept)) renameSync(kept, manifest);
}

const step = process.argv[2];
if (step === 'before') {
  restore();
  // The whole bundle: never the build with the SDK left out (EVSRC_BUILD_EXTERNAL, for comparisons).
  const env = { ...process.env };
  delete env.EVSRC_BUILD_EXTERNAL;
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const text = readFileSync(manifest, 'utf8');
  const shipped = JSON.parse(text);
  delete shipped.scripts;
  delete shipped.devDependencies;
  writeFileSync(kept, text);
  writeFileSync(manifest, `${JSON.stringify(shipped, null, 2)}\n`);
} else if (step === 'after') {
  restore();
} else {
  console.error('usage: node scripts/pack.mjs before|after');
  process.exit(2);
}
