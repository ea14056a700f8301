// Module hook of sdk-probe.cjs: appends the URL of every file module the run loads to a file.
import { appendFileSync } from 'node:fs';

let urlsFile;
export function initialize(data) {
  urlsFile = data.urlsFile;
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.startsWith('file:')) appendFileSync(urlsFile, `${result.url}\n`);
  return result;
}
