import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHULIAN_XSD } from './formats.js';

/** gateway/schemas/, found from the sources (src/oai) and from the build (dist/src/oai) alike. */
export function shulianSchemaPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const candidate = join(here, up, 'schemas', SHULIAN_XSD);
    if (existsSync(candidate)) return candidate;
  }
  return join(here, '../..', 'schemas', SHULIAN_XSD);
}
