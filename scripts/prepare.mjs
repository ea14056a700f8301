// The `prepare` script: builds dist/ in a clone. npm runs it after `npm install` / `npm ci` in the clone,
// before `npm pack` / `npm publish`, and when a folder or git checkout is installed (`npm install -g .`,
// `npm link`, `npm install -g --install-links .`, `npm install -g <git url>`).
//
// `npm install -g .` links the global package to the clone and prepares the clone without its
// devDependencies, so the build tools (esbuild and what it bundles) are not there: this script installs them
// first (`npm ci` from the lockfile, scripts off, so it does not run itself again), then builds. The
// packed tarball needs none of this: it holds the built dist/ and has no dependencies, and npm does not
// run `prepare` for a tarball or registry install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const has = (pkg) => existsSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url));

/** npm as this script was run by (same version), or `npm` from the PATH. */
function npm(args, env) {
  const cli = process.env.npm_execpath;
  const [cmd, argv] = cli && /\.c?js$/.test(cli) ? [process.execPath, [cli, ...args]] : ['npm', args];
  const run = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' && cmd === 'npm' });
  if (run.error) throw run.error;
  if (run.status !== 0) process.exit(run.status ?? 1);
}

// A global install's settings (global, prefix, omit=dev, …) reach this script through npm_config_*
// variables; what this script runs is a plain local install and build in this folder.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_config_(global|location|prefix|omit|include|only|production|also|dry_run|install_links|link|save.*|package_lock.*|ignore_scripts|workspaces?|include_workspace_root)$/i.test(key),
  ),
);
// The build needs esbuild and the packages it bundles, all devDependencies.
if (!['esbuild', 'commander', '@aws-sdk/client-lambda'].every(has)) {
  console.error('evsrc: installing the devDependencies into this folder to build dist/ ...');
  const lock = existsSync(new URL('../package-lock.json', import.meta.url));
  npm([lock ? 'ci' : 'install', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund'], env);
}
// The bundle only: `npm run build` also type-checks, which the tests and CI do; the bundle is the same.
delete env.EVSRC_BUILD_EXTERNAL;
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);
