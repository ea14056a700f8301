// The licences of the packages the bundle holds. The package ships no dependencies (dist/ inlines
// them), so their licence texts and NOTICE files ship in dist/THIRD-PARTY-LICENSES.txt instead: each
// distinct text once, after the list of the packages that carry it.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package folder an esbuild input path lies in (the last node_modules/<name> or <@scope/name>). */
function packageDir(input) {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input.replace(/\\/g, '/'));
  return match?.[1];
}

function fileLike(dir, pattern) {
  const name = readdirSync(dir).find((f) => pattern.test(f));
  return name ? readFileSync(join(dir, name), 'utf8').trim() : undefined;
}

/** Writes dist/THIRD-PARTY-LICENSES.txt for the inputs of an esbuild metafile; returns the packages named. */
export function writeThirdPartyLicenses(root, metafile, out) {
  const dirs = [...new Set(Object.keys(metafile.inputs).map(packageDir).filter(Boolean))];
  const groups = new Map();
  const packages = [];
  for (const rel of dirs) {
    const dir = join(root, rel);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (!pkg.name || !pkg.version) continue;
    const id = `${pkg.name} ${pkg.version}`;
    if (packages.includes(id)) continue;
    packages.push(id);
    const licence = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see the package');
    const text = fileLike(dir, /^licen[cs]e(\.(md|txt))?$/i) ?? `${licence} (the package has no licence file)`;
    const notice = fileLike(dir, /^notice(\.(md|txt))?$/i);
    const body = notice ? `${text}\n\n${notice}` : text;
    const key = body.replace(/\s+/g, ' ');
    const group = groups.get(key) ?? { licence, body, names: [] };
    group.names.push(id);
    groups.set(key, group);
  }
  const rule = '-'.repeat(78);
  const sections = [...groups.values()]
    .sort((a, b) => a.licence.localeCompare(b.licence) || a.names[0].localeCompare(b.names[0]))
    .map((g) => `${rule}\n${g.licence}: ${g.names.sort().join(', ')}\n${rule}\n\n${g.body}\n`);
  writeFileSync(
    out,
    `evsrc's dist/ bundles code of the ${packages.length} packages named below, under their own licences,\n` +
      `which follow (each text once, after the packages it applies to). evsrc itself is under the Apache\n` +
      `License 2.0 (LICENSE).\n\n${sections.join('\n')}`,
  );
  return packages;
}
