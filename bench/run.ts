// `npm run bench -- <name>...`: runs bench/<name>.ts for each name given (each prints its JSON figures).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = import.meta.dirname;
const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const available = (await readdir(here))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.includes('.child.'))
  .map((f) => f.slice(0, -3));
if (names.length === 0) {
  process.stderr.write(`usage: npm run bench -- <name>...   (available: ${available.join(', ')})\n`);
  process.exit(2);
}
for (const name of names) {
  const file = join(here, `${name}.ts`);
  if (!/^[a-z0-9-]+$/.test(name) || !existsSync(file)) {
    process.stderr.write(`bench: no benchmark "${name}" (available: ${available.join(', ')})\n`);
    process.exit(2);
  }
  await import(pathToFileURL(file).href);
}
